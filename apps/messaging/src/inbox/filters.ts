// ListConversations' inbox filters (status, assignee, team, unread, patient) from the request.
import { type ConversationFilter } from '@careline/contracts';
import { isUuid } from '@careline/db';
import { invalidArgument } from '@careline/runtime';
import { type ConversationFilters } from '../db/conversations';
import { statusName } from './use-cases';

export function conversationFilters(filter: ConversationFilter | undefined): ConversationFilters {
  if (filter === undefined) return {};
  if (filter.teamId !== '' && !isUuid(filter.teamId)) throw invalidArgument('invalid_filter', 'filter.team_id must be a team id.', { details: { field: 'team_id' } });
  if (filter.patientId !== '' && !isUuid(filter.patientId)) throw invalidArgument('invalid_filter', 'filter.patient_id must be a patient id.', { details: { field: 'patient_id' } });
  if (filter.assignedTo.length > 255) throw invalidArgument('invalid_filter', 'filter.assigned_to is too long.', { details: { field: 'assigned_to' } });
  const status = statusName(filter.status);
  return {
    ...(status === undefined ? {} : { status }),
    ...(filter.assignedTo === '' ? {} : { assignedTo: filter.assignedTo }),
    ...(filter.teamId === '' ? {} : { teamId: filter.teamId.toLowerCase() }),
    ...(filter.unreadOnly ? { unreadOnly: true } : {}),
    ...(filter.patientId === '' ? {} : { patientId: filter.patientId.toLowerCase() }),
  };
}
