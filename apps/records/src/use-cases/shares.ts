// Sharing a document with its patient, revoking, listing. A share is a single-purpose link: a
// random 256-bit token of which only the SHA-256 is stored, sent to the patient only (inside a
// "result ready" template through messaging, sent on records' own account: no clinical content in
// WhatsApp), never returned to staff. The share row is committed first (notice `pending`), then the template is requested with
// the share id as idempotency key, then the outcome is recorded: a failed notice marks the share
// `failed` (its link dead) and the caller may share again with the same key.
import { randomUUID } from 'node:crypto';
import {
  type ListSharesRequest,
  type ListSharesResponse,
  MessagePurpose,
  type RevokeShareRequest,
  type RevokeShareResponse,
  type ShareDocumentRequest,
  type ShareDocumentResponse,
} from '@careline/contracts';
import { isUuid, withTenant } from '@careline/db';
import { type DomainError, isDomainError } from '@careline/runtime';
import { listConsents } from '../db/consents';
import { getDocument } from '../db/documents';
import { getPatient } from '../db/patients';
import {
  type ShareRow,
  findShareByIdempotencyKey,
  getShare,
  insertShare,
  listShares,
  updateShare,
} from '../db/shares';
import {
  documentNotFound,
  idempotencyKeyRequired,
  invalidRequest,
  noMessagingConsent,
  patientNotFound,
  patientNotReachable,
  shareNotFound,
} from '../domain/errors';
import { hashToken, newToken } from '../domain/tokens';
import { AUDIT_ACTIONS, type Actor, emitRecordEvent, recordActor, recordAudit } from './audit';
import { type Authorize } from './authorize';
import { type TenantCaller } from './caller';
import { currentConsents } from './consents';
import { type UseCaseDeps } from './deps';
import { actorOf } from './patients';
import { type Recipient, TEMPLATES, recipientOf, recordsService } from './recipient';
import { openIdentity, shareView } from './views';

const MAX_KEY = 200;
const MAX_TTL_MINUTES = 14 * 24 * 60;

export interface IssueShare {
  tenantId: string;
  /** Who the audit and record events name. */
  actor: Actor;
  /** Stored as the share's `shared_by` (a caller's actor, or `patient:<id>` for self-service). */
  sharedBy: string;
  documentId: string;
  key: string;
  ttlMs: number;
}

type Prepared =
  | { refused: DomainError }
  | { existing: ShareRow }
  | { share: ShareRow; token: string; recipient: Recipient; givenName: string; language: string };

export function createShareUseCases(deps: UseCaseDeps, authorize: Authorize) {
  const { clock } = deps;

  async function shareDocument(
    caller: TenantCaller,
    request: ShareDocumentRequest,
  ): Promise<ShareDocumentResponse> {
    await authorize(caller, 'documents:share', AUDIT_ACTIONS.shareDocument, {
      type: 'document',
      id: request.documentId,
    });
    const key = request.idempotencyKey;
    if (key === '' || key.length > MAX_KEY) throw idempotencyKeyRequired();
    if (request.expiresInMinutes < 0 || request.expiresInMinutes > MAX_TTL_MINUTES) {
      throw invalidRequest('expires_in_minutes', `must be 0 to ${MAX_TTL_MINUTES}`);
    }
    if (!isUuid(request.documentId)) throw documentNotFound();
    const ttlMs =
      request.expiresInMinutes === 0 ? deps.release.shareTtlMs : request.expiresInMinutes * 60_000;
    return issueShare({ tenantId: caller.tenantId, actor: actorOf(caller), sharedBy: caller.actor, documentId: request.documentId, key, ttlMs });
  }

  /**
   * Creates the share and sends its notice. Callers check who may (staff: the permission table;
   * self-service: the patient asking from their own number) before calling.
   */
  async function issueShare(input: IssueShare): Promise<ShareDocumentResponse> {
    const { tenantId, actor, key, ttlMs } = input;
    const request = { documentId: input.documentId };
    const prepared = await withTenant(deps.pool, tenantId, async (client): Promise<Prepared | undefined> => {
      const document = await getDocument(client, tenantId, request.documentId);
      if (document === undefined) return undefined;
      const existing = await findShareByIdempotencyKey(client, tenantId, document.id, key);
      if (existing !== undefined) return { existing };
      const patient = await getPatient(client, tenantId, document.patient_id, { lock: true });
      if (patient === undefined) return { refused: patientNotFound() };
      const refuse = async (error: DomainError): Promise<Prepared> => {
        await recordAudit(client, {
          tenantId,
          actor,
          action: AUDIT_ACTIONS.shareDocument,
          resource: { type: 'document', id: document.id },
          patientId: patient.id,
          outcome: 'denied',
          detail: { reason: error.code },
          at: clock(),
        });
        return { refused: error };
      };
      const messagingConsent = currentConsents(await listConsents(client, tenantId, patient.id)).find(
        (c) => c.kind === 'messaging',
      );
      // no decision recorded: messaging's own opt-out rules apply; a withdrawal here is final
      if (messagingConsent !== undefined && !messagingConsent.granted) return refuse(noMessagingConsent());
      const identity = await openIdentity(deps.atRest, patient);
      const recipient = await recipientOf(client, patient, identity);
      if (recipient === undefined) return refuse(patientNotReachable());
      const token = newToken();
      const now = clock();
      const id = randomUUID();
      await insertShare(client, {
        id,
        tenantId,
        documentId: document.id,
        patientId: patient.id,
        tokenHash: hashToken(token),
        idempotencyKey: key,
        sharedBy: input.sharedBy,
        createdAt: now,
        expiresAt: new Date(now.getTime() + ttlMs),
      });
      const share = await getShare(client, tenantId, id);
      if (share === undefined) throw new Error('share vanished');
      return { share, token, recipient, givenName: identity.givenName, language: patient.preferred_language };
    });
    if (prepared === undefined) throw documentNotFound();
    if ('refused' in prepared) throw prepared.refused;
    if ('existing' in prepared) return { share: shareView(prepared.existing, clock()) };

    const { share } = prepared;
    let noticeMessageId: string;
    let noticeConversationId: string;
    try {
      const response = await deps.messaging.sendTemplate(recordsService(tenantId), {
        recipient: prepared.recipient,
        templateName: TEMPLATES.resultReady,
        languageCode: prepared.language,
        parameters: [{ name: '1', text: prepared.givenName }],
        buttons: [{ index: 0, value: prepared.token }],
        purpose: MessagePurpose.MESSAGE_PURPOSE_RESULT_NOTICE,
        idempotencyKey: `records:share:${share.id}`,
      });
      noticeMessageId = response.message?.id ?? '';
      noticeConversationId = response.conversationId;
    } catch (error) {
      await withTenant(deps.pool, tenantId, async (client) => {
        await updateShare(client, tenantId, share.id, { notice: 'failed' });
        await recordAudit(client, {
          tenantId,
          actor,
          action: AUDIT_ACTIONS.shareDocument,
          resource: { type: 'share', id: share.id },
          patientId: share.patient_id,
          outcome: 'failure',
          detail: {
            reason: isDomainError(error) ? error.code : 'notice_failed',
            document_id: share.document_id,
          },
          at: clock(),
        });
      });
      deps.logger.warn({ tenant_id: tenantId, share_id: share.id, err: error }, 'result notice not queued');
      throw error;
    }

    const done = await withTenant(deps.pool, tenantId, async (client) => {
      const now = clock();
      await updateShare(client, tenantId, share.id, {
        notice: 'sent',
        notice_message_id: noticeMessageId,
        // where a later "my results" from this patient is answered (self-service.ts)
        notice_conversation_id: isUuid(noticeConversationId) ? noticeConversationId : undefined,
      });
      await recordAudit(client, {
        tenantId,
        actor,
        action: AUDIT_ACTIONS.shareDocument,
        resource: { type: 'share', id: share.id },
        patientId: share.patient_id,
        outcome: 'success',
        detail: {
          document_id: share.document_id,
          notice_message_id: noticeMessageId,
          expires_at: share.expires_at.toISOString(),
        },
        at: now,
      });
      await emitRecordEvent(client, {
        tenantId,
        patientId: share.patient_id,
        occurredAt: now,
        actor: recordActor(actor),
        event: {
          $case: 'documentShared',
          value: {
            shareId: share.id,
            documentId: share.document_id,
            expiresAt: share.expires_at,
            noticeMessageId,
          },
        },
      });
      return getShare(client, tenantId, share.id);
    });
    if (done === undefined) throw shareNotFound();
    deps.logger.info(
      { tenant_id: tenantId, share_id: share.id, document_id: share.document_id },
      'document shared',
    );
    return { share: shareView(done, clock()) };
  }

  async function revokeShare(
    caller: TenantCaller,
    request: RevokeShareRequest,
  ): Promise<RevokeShareResponse> {
    await authorize(caller, 'documents:share', AUDIT_ACTIONS.revokeShare, {
      type: 'share',
      id: request.shareId,
    });
    if (!isUuid(request.shareId)) throw shareNotFound();
    const { tenantId } = caller;
    const actor = actorOf(caller);
    const row = await withTenant(deps.pool, tenantId, async (client) => {
      const share = await getShare(client, tenantId, request.shareId, { lock: true });
      if (share === undefined) return undefined;
      if (share.revoked_at !== null) return share;
      const now = clock();
      // the session dies with the share: an open release page stops serving the document
      await updateShare(client, tenantId, share.id, {
        revoked_at: now,
        revoked_by: caller.actor,
        session_hash: null,
        session_expires_at: null,
        code_hash: null,
      });
      await recordAudit(client, {
        tenantId,
        actor,
        action: AUDIT_ACTIONS.revokeShare,
        resource: { type: 'share', id: share.id },
        patientId: share.patient_id,
        outcome: 'success',
        detail: { document_id: share.document_id },
        at: now,
      });
      await emitRecordEvent(client, {
        tenantId,
        patientId: share.patient_id,
        occurredAt: now,
        actor: recordActor(actor),
        event: { $case: 'shareRevoked', value: { shareId: share.id, documentId: share.document_id } },
      });
      return getShare(client, tenantId, share.id);
    });
    if (row === undefined) throw shareNotFound();
    return { share: shareView(row, clock()) };
  }

  async function listSharesCall(
    caller: TenantCaller,
    request: ListSharesRequest,
  ): Promise<ListSharesResponse> {
    const scope = request.scope;
    if (scope === undefined) throw invalidRequest('scope', 'must name a document or a patient');
    await authorize(caller, 'documents:read', AUDIT_ACTIONS.listShares, {
      type: scope.$case === 'documentId' ? 'document' : 'patient',
      id: scope.value,
    });
    // an unknown id, or another tenant's, is NOT_FOUND (never an empty list that says "it exists")
    const notFound = () => (scope.$case === 'documentId' ? documentNotFound() : patientNotFound());
    if (!isUuid(scope.value)) throw notFound();
    const { tenantId } = caller;
    const rows = await withTenant(deps.pool, tenantId, async (client) => {
      const owner =
        scope.$case === 'documentId'
          ? await getDocument(client, tenantId, scope.value)
          : await getPatient(client, tenantId, scope.value);
      if (owner === undefined) {
        await recordAudit(client, {
          tenantId,
          actor: actorOf(caller),
          action: AUDIT_ACTIONS.listShares,
          resource: { type: scope.$case === 'documentId' ? 'document' : 'patient', id: scope.value },
          outcome: 'failure',
          detail: { reason: scope.$case === 'documentId' ? 'document_not_found' : 'patient_not_found' },
          at: clock(),
        });
        return undefined;
      }
      const found = await listShares(
        client,
        tenantId,
        scope.$case === 'documentId' ? { documentId: scope.value } : { patientId: scope.value },
      );
      await recordAudit(client, {
        tenantId,
        actor: actorOf(caller),
        action: AUDIT_ACTIONS.listShares,
        resource: { type: scope.$case === 'documentId' ? 'document' : 'patient', id: scope.value },
        patientId: 'patient_id' in owner ? owner.patient_id : owner.id,
        outcome: 'success',
        detail: { count: String(found.length) },
        at: clock(),
      });
      return found;
    });
    if (rows === undefined) throw notFound();
    const now = clock();
    return { shares: rows.map((row) => shareView(row, now)) };
  }

  return { shareDocument, revokeShare, listShares: listSharesCall, issueShare };
}
