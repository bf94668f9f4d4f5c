// The SLA cell of an inbox row: how long until (or since) the team's first-response target.
import type { Conversation } from '../schemas';
import { t } from '../messages';
import { formatDuration } from './time';

export type SlaView = { tone: 'none' | 'ok' | 'due' | 'breached'; label: string };

type SlaFields = Pick<Conversation, 'firstResponseAt' | 'firstResponseDueAt' | 'slaBreached' | 'status'>;

/** Under this much time left the row is highlighted. */
const DUE_SOON_MS = 5 * 60 * 1000;

export function slaView(conversation: SlaFields, now: number): SlaView {
  if (conversation.firstResponseAt !== null)
    return conversation.slaBreached
      ? { tone: 'breached', label: t.sla.breached }
      : { tone: 'ok', label: t.sla.responded };
  if (conversation.firstResponseDueAt === null || conversation.status === 'closed')
    return { tone: 'none', label: t.sla.none };
  const due = Date.parse(conversation.firstResponseDueAt);
  if (Number.isNaN(due)) return { tone: 'none', label: t.sla.none };
  const left = due - now;
  if (left <= 0) return { tone: 'breached', label: t.sla.overdue(formatDuration(-left)) };
  return { tone: left < DUE_SOON_MS ? 'due' : 'ok', label: t.sla.dueIn(formatDuration(left)) };
}
