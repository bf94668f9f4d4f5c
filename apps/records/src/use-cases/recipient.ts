// How records reaches a patient on WhatsApp through messaging: the registry's number, else the
// conversation of the most recently linked contact.
import { type SendTemplateRequest } from '@careline/contracts';
import { type Queryable } from '@careline/db';
import { type PatientRow, latestLinkedConversation } from '../db/patients';
import { type PatientIdentity } from '../domain/patient';

export type Recipient = NonNullable<SendTemplateRequest['recipient']>;

export async function recipientOf(
  db: Queryable,
  patient: PatientRow,
  identity: PatientIdentity,
): Promise<Recipient | undefined> {
  if (identity.waId !== '') return { $case: 'patient', value: { waId: identity.waId, phoneNumberId: '' } };
  const conversationId = await latestLinkedConversation(db, patient.tenant_id, patient.id);
  return conversationId === undefined ? undefined : { $case: 'conversationId', value: conversationId };
}

/** The simulator's (and the suggested production) templates; see README.md. */
export const TEMPLATES = {
  /** UTILITY: body {{1}} the patient's given name, URL button whose suffix {{1}} is the link token. */
  resultReady: 'result_ready',
  /** AUTHENTICATION: body {{1}} the code, copy-code button whose parameter is the code again. */
  otp: 'otp',
} as const;

/**
 * records' own identity towards messaging. Notices and codes are sent on records' account: the
 * caller's permission (`documents:share`) was checked here, and a lab integration that shares a
 * result holds no messaging permission of its own. records' audit event names the person.
 */
export function recordsService(tenantId: string): { tenantId: string; actor: string; roles: string[] } {
  return { tenantId, actor: 'service:records', roles: [] };
}
