// Self-service in chat: a patient who writes "my results" (keywords per language) or picks the
// "my results" menu choice gets the list of documents released to them, as a WhatsApp list with
// the release dates only (no titles, no clinical content) and opaque row ids; picking a row
// releases that document again through the same verified release page: a NEW share (fresh link,
// fresh attempt counter) sent as the usual "result ready" notice. records answers in the
// conversation its last notice went to (messaging's SendInteractive needs one), on its own
// account (`service:records`).
//
// Who asks is known only by the number's keyed hash (the sender's wa_id_hash on the event):
// the patients registered with, or linked to, that number. A row id names a share that is checked
// to belong to one of them, so a forged reply cannot release someone else's document, and the
// release page still asks for the date of birth and a one-time code before anything is shown.
//
// Consumed through libs/bus's idempotent consumer; the messaging calls carry idempotency keys
// derived from the inbound message id, so a redelivery sends nothing twice.
import {
  MessagePurpose,
  type PatientMessageReceivedV1,
  TOPICS,
  sealContext,
} from '@careline/contracts';
import { isUuid, withTenant } from '@careline/db';
import { isDomainError } from '@careline/runtime';
import { type PatientRow, findPatients, latestLinkedConversation } from '../db/patients';
import { type ShareRow, getShare, listReleasedShares } from '../db/shares';
import {
  type Keywords,
  MY_RESULTS_CHOICE,
  asksForResults,
  listWords,
  shareIdOfRow,
  shareRowId,
} from '../domain/self-service';
import { AUDIT_ACTIONS, recordAudit } from './audit';
import { type UseCaseDeps } from './deps';
import { recordsService } from './recipient';
import { type IssueShare } from './shares';

/** WhatsApp lists hold at most 10 rows. */
const MAX_ROWS = 10;
/** messaging sends up to 3 options as reply buttons, which carry no description. */
const MAX_BUTTONS = 3;

export interface SelfServiceOptions {
  keywords: Keywords;
  /** Shares re-issued from the chat (documents:share is not needed: the patient asks for their own). */
  issueShare(input: IssueShare): Promise<unknown>;
}

type Intent = { kind: 'list'; language: string } | { kind: 'reissue'; shareId: string } | { kind: 'none' };

export type SelfServiceOutcome = 'ignored' | 'unknown_sender' | 'nothing_released' | 'no_conversation' | 'listed' | 'reissued' | 'refused';

export function createSelfService(deps: UseCaseDeps, options: SelfServiceOptions) {
  const { clock, logger } = deps;

  async function intentOf(event: PatientMessageReceivedV1): Promise<Intent> {
    const content = event.content;
    switch (content?.$case) {
      case 'text': {
        if (content.value.body === undefined || event.messageId === '') return { kind: 'none' };
        const text = await deps.sealer.openString(
          event.tenantId,
          content.value.body,
          sealContext(TOPICS.patientMessageReceived, event.messageId),
        );
        const language = asksForResults(text, options.keywords);
        return language === undefined ? { kind: 'none' } : { kind: 'list', language };
      }
      case 'listReply':
      case 'buttonReply': {
        const id = content.$case === 'listReply' ? content.value.rowId : content.value.buttonId;
        if (id === MY_RESULTS_CHOICE) return { kind: 'list', language: '' };
        const shareId = shareIdOfRow(id);
        return shareId === undefined ? { kind: 'none' } : { kind: 'reissue', shareId };
      }
      default:
        return { kind: 'none' };
    }
  }

  /** The patients of the sender's number (registered, or linked by staff). */
  async function sendersOf(event: PatientMessageReceivedV1): Promise<PatientRow[]> {
    if (!/^[0-9a-f]{64}$/.test(event.waIdHash)) return [];
    return withTenant(deps.pool, event.tenantId, (client) =>
      findPatients(client, event.tenantId, { by: 'wa_id_hash', hash: event.waIdHash }, 20),
    );
  }

  async function handle(event: PatientMessageReceivedV1): Promise<SelfServiceOutcome> {
    const intent = await intentOf(event);
    if (intent.kind === 'none') return 'ignored';
    const { tenantId } = event;
    const patients = await sendersOf(event);
    // ids only in logs: never the text, the number or its hash
    const facts = { tenant_id: tenantId, message_id: event.messageId };
    if (patients.length === 0) {
      logger.info(facts, 'self-service request from a number with no patient');
      return 'unknown_sender';
    }
    return intent.kind === 'list' ? list(event, patients, intent.language) : reissue(event, patients, intent.shareId);
  }

  async function list(event: PatientMessageReceivedV1, patients: PatientRow[], keywordLanguage: string): Promise<SelfServiceOutcome> {
    const { tenantId } = event;
    const found = await withTenant(deps.pool, tenantId, async (client) => {
      const shares: ShareRow[] = [];
      for (const patient of patients) shares.push(...(await listReleasedShares(client, tenantId, patient.id)));
      shares.sort((a, b) => b.created_at.getTime() - a.created_at.getTime());
      // the latest release of each document
      const latest = shares.filter((share, index) => shares.findIndex((s) => s.document_id === share.document_id) === index);
      const conversationId =
        shares.find((share) => share.notice_conversation_id !== null)?.notice_conversation_id ??
        (await latestLinkedConversationOf(client, tenantId, patients));
      return { latest: latest.slice(0, MAX_ROWS), conversationId };
    });
    const facts = { tenant_id: tenantId, message_id: event.messageId };
    if (found.latest.length === 0) {
      logger.info(facts, 'self-service: nothing released to this patient');
      return 'nothing_released';
    }
    if (found.conversationId === undefined) {
      logger.warn(facts, 'self-service: no conversation to answer in');
      return 'no_conversation';
    }
    const patient = patients.find((p) => p.id === found.latest[0]?.patient_id) ?? patients[0]!;
    const words = listWords(patient.preferred_language || keywordLanguage || 'en');
    await deps.messaging.sendInteractive(recordsService(tenantId), {
      conversationId: found.conversationId,
      body: words.body,
      footer: words.footer,
      listButton: words.button,
      // up to 3 options are reply buttons (a title only, at most 20 characters), 4 to 10 a list
      options: found.latest.map((share) => ({
        id: shareRowId(share.id),
        title: words.row(share.created_at),
        description: found.latest.length > MAX_BUTTONS ? words.rowDescription : '',
      })),
      purpose: MessagePurpose.MESSAGE_PURPOSE_CARE,
      idempotencyKey: `records:results:${event.messageId}`,
    });
    await withTenant(deps.pool, tenantId, (client) =>
      recordAudit(client, {
        tenantId,
        actor: { kind: 'patient', patientId: patient.id },
        action: AUDIT_ACTIONS.selfServiceListed,
        resource: { type: 'patient', id: patient.id },
        patientId: patient.id,
        outcome: 'success',
        detail: { count: String(found.latest.length), message_id: event.messageId },
        at: clock(),
      }),
    );
    logger.info({ ...facts, count: found.latest.length }, 'self-service: released documents listed');
    return 'listed';
  }

  async function reissue(event: PatientMessageReceivedV1, patients: PatientRow[], shareId: string): Promise<SelfServiceOutcome> {
    const { tenantId } = event;
    const share = await withTenant(deps.pool, tenantId, (client) => getShare(client, tenantId, shareId));
    const facts = { tenant_id: tenantId, message_id: event.messageId, share_id: shareId };
    // a share of another patient (or tenant), or one whose notice never went out, is not theirs to reopen
    if (share === undefined || share.notice !== 'sent' || !patients.some((p) => p.id === share.patient_id)) {
      logger.warn(facts, 'self-service: a row that is not the sender\'s');
      return 'refused';
    }
    try {
      await options.issueShare({
        tenantId,
        actor: { kind: 'patient', patientId: share.patient_id },
        sharedBy: `patient:${share.patient_id}`,
        documentId: share.document_id,
        key: `records:self-service:${event.messageId}`,
        ttlMs: deps.release.shareTtlMs,
      });
    } catch (error) {
      // a refusal (consent withdrawn, no way to reach the patient) is final and audited by
      // issueShare; anything retryable goes back to the consumer (retry, then dead letter)
      if (isDomainError(error) && !error.retryable) {
        logger.info({ ...facts, code: error.code }, 'self-service: re-issue refused');
        return 'refused';
      }
      throw error;
    }
    logger.info(facts, 'self-service: link re-issued');
    return 'reissued';
  }

  return { handlePatientMessage: handle };
}

async function latestLinkedConversationOf(
  client: Parameters<typeof latestLinkedConversation>[0],
  tenantId: string,
  patients: readonly PatientRow[],
): Promise<string | undefined> {
  for (const patient of patients) {
    const conversationId = await latestLinkedConversation(client, tenantId, patient.id);
    if (conversationId !== undefined && isUuid(conversationId)) return conversationId;
  }
  return undefined;
}
