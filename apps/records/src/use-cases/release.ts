// The patient's side of a release, behind the link token: open the link, prove identity (date of
// birth, then a one-time code sent over WhatsApp), then view/download the document. Every failed
// check counts; at the limit the share locks for good. Each step is an audit event (actor: the
// patient) and a record event, in the transaction of the step. Nothing here throws for the
// patient's mistakes: the results are values the page renders.
import { MessagePurpose, ShareVerificationStep } from '@careline/contracts';
import { type PoolClient, withTenant, withTransaction } from '@careline/db';
import { type DocumentRow, getDocument } from '../db/documents';
import { getPatient } from '../db/patients';
import { type ShareRow, type ShareUpdate, findShareTenantByToken, getShare, updateShare } from '../db/shares';
import { normaliseDate } from '../domain/patient';
import { atRestContext } from '../domain/sealing';
import { type ShareEnd, shareEnded } from '../domain/share-status';
import { hashCode, hashToken, isTokenShaped, newCode, newToken, sameHash } from '../domain/tokens';
import { AUDIT_ACTIONS, type Actor, type AuditAction, emitRecordEvent, recordAudit } from './audit';
import { type VerificationOutcome } from '../metrics';
import { type UseCaseDeps } from './deps';
import { openDocumentContent } from './documents';
import { TEMPLATES, recipientOf, recordsService } from './recipient';
import { openIdentity } from './views';

export type Unavailable = { kind: 'unavailable'; reason: ShareEnd | 'not_found' };

/** What the landing page shows. */
export type LinkState =
  | Unavailable
  | { kind: 'ask_dob'; attemptsLeft: number }
  | { kind: 'ask_code'; attemptsLeft: number }
  | { kind: 'verified'; document: { title: string; contentType: string; sizeBytes: number } };

export type DobResult =
  Unavailable | { kind: 'wrong'; attemptsLeft: number } | { kind: 'code_sent' } | { kind: 'send_failed' };
export type CodeResult =
  | Unavailable
  | { kind: 'wrong'; attemptsLeft: number }
  | { kind: 'verified'; session: string; expiresAt: Date };
export type DownloadResult =
  | Unavailable
  | { kind: 'unverified' }
  | { kind: 'content'; bytes: Uint8Array; contentType: string; fileName: string };

const DOCUMENT_FILE_NAME = 'document';

interface Located {
  tenantId: string;
  shareId: string;
  tokenHash: string;
}

export function createReleaseUseCases(deps: UseCaseDeps) {
  const { clock, release } = deps;

  async function locate(token: string): Promise<Located | undefined> {
    if (!isTokenShaped(token)) return undefined;
    const tokenHash = hashToken(token);
    const found = await withTransaction(deps.pool, (client) => findShareTenantByToken(client, tokenHash));
    return found === undefined ? undefined : { ...found, tokenHash };
  }

  /** Runs `step` on the locked share, in its tenant; unknown links and ended shares stop here. */
  async function onShare<T>(
    token: string,
    step: (client: PoolClient, share: ShareRow, now: Date) => Promise<T | Unavailable>,
  ): Promise<T | Unavailable> {
    const located = await locate(token);
    if (located === undefined) return { kind: 'unavailable', reason: 'not_found' };
    return withTenant(deps.pool, located.tenantId, async (client) => {
      const share = await getShare(client, located.tenantId, located.shareId, { lock: true });
      if (share === undefined) return { kind: 'unavailable', reason: 'not_found' } as const;
      const now = clock();
      const ended = shareEnded(share, now);
      if (ended !== undefined) return { kind: 'unavailable', reason: ended } as const;
      return step(client, share, now);
    });
  }

  const patientActor = (share: ShareRow): Actor => ({ kind: 'patient', patientId: share.patient_id });
  const audit = (
    client: PoolClient,
    share: ShareRow,
    action: AuditAction,
    outcome: 'success' | 'denied',
    at: Date,
    detail: Record<string, string> = {},
  ) =>
    recordAudit(client, {
      tenantId: share.tenant_id,
      actor: patientActor(share),
      action,
      resource: { type: 'share', id: share.id },
      patientId: share.patient_id,
      outcome,
      detail: { document_id: share.document_id, ...detail },
      at,
    });
  const sessionValid = (share: ShareRow, session: string | undefined, now: Date): boolean =>
    session !== undefined &&
    isTokenShaped(session) &&
    share.session_hash !== null &&
    share.session_expires_at !== null &&
    share.session_expires_at.getTime() > now.getTime() &&
    sameHash(share.session_hash, hashToken(session));

  /** Counts the checks of one step once its transaction committed (a rolled-back one is not a check). */
  async function counted<T>(run: (outcomes: VerificationOutcome[]) => Promise<T>): Promise<T> {
    const outcomes: VerificationOutcome[] = [];
    const result = await run(outcomes);
    for (const outcome of outcomes) deps.metrics?.verification(outcome);
    return result;
  }

  /** A failed check: counted, audited, locking at the limit. */
  async function fail(
    client: PoolClient,
    share: ShareRow,
    step: ShareVerificationStep,
    now: Date,
    outcomes: VerificationOutcome[],
  ): Promise<{ kind: 'wrong'; attemptsLeft: number } | Unavailable> {
    const failedAttempts = share.failed_attempts + 1;
    const locked = failedAttempts >= release.maxAttempts;
    outcomes.push(
      locked
        ? 'locked'
        : step === ShareVerificationStep.SHARE_VERIFICATION_STEP_CODE
          ? 'failed_code'
          : 'failed_dob',
    );
    const update: ShareUpdate = { failed_attempts: failedAttempts, code_hash: null, code_expires_at: null };
    if (locked) update.locked_at = now;
    await updateShare(client, share.tenant_id, share.id, update);
    await audit(client, share, AUDIT_ACTIONS.verificationFailed, 'denied', now, {
      step: step === ShareVerificationStep.SHARE_VERIFICATION_STEP_CODE ? 'code' : 'date_of_birth',
      failed_attempts: String(failedAttempts),
      locked: String(locked),
    });
    await emitRecordEvent(client, {
      tenantId: share.tenant_id,
      patientId: share.patient_id,
      occurredAt: now,
      actor: 'patient',
      event: {
        $case: 'shareVerificationFailed',
        value: { shareId: share.id, documentId: share.document_id, step, failedAttempts, locked },
      },
    });
    deps.logger.info(
      { tenant_id: share.tenant_id, share_id: share.id, failed_attempts: failedAttempts, locked },
      'release check failed',
    );
    return locked
      ? { kind: 'unavailable', reason: 'locked' }
      : { kind: 'wrong', attemptsLeft: release.maxAttempts - failedAttempts };
  }

  async function documentSummary(client: PoolClient, share: ShareRow) {
    const document = await getDocument(client, share.tenant_id, share.document_id);
    if (document === undefined) throw new Error('shared document vanished');
    const view = await deps.atRest.openString(
      share.tenant_id,
      document.title_sealed,
      atRestContext.documentTitle(document.id),
    );
    return { title: view, contentType: document.content_type, sizeBytes: document.size_bytes };
  }

  /** The landing page: records the first opening; says what to ask next. */
  function openLink(token: string, session: string | undefined): Promise<LinkState> {
    return onShare<LinkState>(token, async (client, share, now) => {
      if (sessionValid(share, session, now))
        return { kind: 'verified', document: await documentSummary(client, share) };
      if (share.opened_at === null) {
        await updateShare(client, share.tenant_id, share.id, { opened_at: now });
        await emitRecordEvent(client, {
          tenantId: share.tenant_id,
          patientId: share.patient_id,
          occurredAt: now,
          actor: 'patient',
          event: { $case: 'shareLinkOpened', value: { shareId: share.id, documentId: share.document_id } },
        });
      }
      await audit(client, share, AUDIT_ACTIONS.openLink, 'success', now, {
        first: String(share.opened_at === null),
      });
      const attemptsLeft = release.maxAttempts - share.failed_attempts;
      const codePending =
        share.code_hash !== null &&
        share.code_expires_at !== null &&
        share.code_expires_at.getTime() > now.getTime();
      return codePending ? { kind: 'ask_code', attemptsLeft } : { kind: 'ask_dob', attemptsLeft };
    });
  }

  /** Step 1: the date of birth. Right → a fresh code is sent over WhatsApp. */
  async function submitDateOfBirth(token: string, dateOfBirth: string): Promise<DobResult> {
    const code = newCode();
    const outcome = await counted((outcomes) =>
      onShare(token, async (client, share, now) => {
        const patient = await getPatient(client, share.tenant_id, share.patient_id);
        if (patient === undefined) return { kind: 'unavailable', reason: 'not_found' } as const;
        const identity = await openIdentity(deps.atRest, patient);
        const given = normaliseDate(dateOfBirth);
        if (given === undefined || given !== identity.dateOfBirth) {
          return fail(
            client,
            share,
            ShareVerificationStep.SHARE_VERIFICATION_STEP_DATE_OF_BIRTH,
            now,
            outcomes,
          );
        }
        // every code sent spends an attempt's worth of budget too, so a leaked link cannot spam the patient
        if (share.codes_sent >= release.maxAttempts)
          return fail(client, share, ShareVerificationStep.SHARE_VERIFICATION_STEP_CODE, now, outcomes);
        const recipient = await recipientOf(client, patient, identity);
        if (recipient === undefined) return { kind: 'send_failed' } as const;
        const codesSent = share.codes_sent + 1;
        await updateShare(client, share.tenant_id, share.id, {
          code_hash: hashCode(share.id, share.token_hash, code),
          code_expires_at: new Date(now.getTime() + release.codeTtlMs),
          codes_sent: codesSent,
        });
        await audit(client, share, AUDIT_ACTIONS.codeSent, 'success', now, { codes_sent: String(codesSent) });
        return { kind: 'send', share, recipient, codesSent, language: patient.preferred_language } as const;
      }),
    );
    if (outcome.kind !== 'send') return outcome;
    try {
      // after the commit: the code is valid before the patient can possibly receive it
      await deps.messaging.sendTemplate(recordsService(outcome.share.tenant_id), {
        recipient: outcome.recipient,
        templateName: TEMPLATES.otp,
        languageCode: outcome.language,
        parameters: [{ name: '1', text: code }],
        buttons: [{ index: 0, value: code }],
        purpose: MessagePurpose.MESSAGE_PURPOSE_VERIFICATION,
        idempotencyKey: `records:share:${outcome.share.id}:code:${outcome.codesSent}`,
      });
      return { kind: 'code_sent' };
    } catch (error) {
      deps.logger.warn(
        { tenant_id: outcome.share.tenant_id, share_id: outcome.share.id, err: error },
        'one-time code not sent',
      );
      return { kind: 'send_failed' };
    }
  }

  /** Step 2: the one-time code. Right → a session for this share only. */
  function submitCode(token: string, code: string): Promise<CodeResult> {
    return counted((outcomes) =>
      onShare<CodeResult>(token, async (client, share, now) => {
        const pending =
          share.code_hash !== null &&
          share.code_expires_at !== null &&
          share.code_expires_at.getTime() > now.getTime();
        const given = code.replace(/\s/g, '');
        if (
          !pending ||
          !/^\d{6}$/.test(given) ||
          !sameHash(share.code_hash ?? '', hashCode(share.id, share.token_hash, given))
        ) {
          return fail(client, share, ShareVerificationStep.SHARE_VERIFICATION_STEP_CODE, now, outcomes);
        }
        outcomes.push('passed');
        const session = newToken();
        const expiresAt = new Date(now.getTime() + release.sessionTtlMs);
        await updateShare(client, share.tenant_id, share.id, {
          code_hash: null,
          code_expires_at: null,
          verified_at: share.verified_at ?? now,
          session_hash: hashToken(session),
          session_expires_at: expiresAt,
        });
        await audit(client, share, AUDIT_ACTIONS.verified, 'success', now);
        await emitRecordEvent(client, {
          tenantId: share.tenant_id,
          patientId: share.patient_id,
          occurredAt: now,
          actor: 'patient',
          event: { $case: 'shareVerified', value: { shareId: share.id, documentId: share.document_id } },
        });
        return { kind: 'verified', session, expiresAt };
      }),
    );
  }

  /** The document itself, for a verified session only. */
  function download(token: string, session: string | undefined): Promise<DownloadResult> {
    return onShare<DownloadResult>(token, async (client, share, now) => {
      if (!sessionValid(share, session, now)) return { kind: 'unverified' };
      const document: DocumentRow | undefined = await getDocument(client, share.tenant_id, share.document_id);
      if (document === undefined) return { kind: 'unavailable', reason: 'not_found' };
      const bytes = await openDocumentContent(deps, client, document);
      if (share.downloaded_at === null)
        await updateShare(client, share.tenant_id, share.id, { downloaded_at: now });
      await audit(client, share, AUDIT_ACTIONS.download, 'success', now);
      await emitRecordEvent(client, {
        tenantId: share.tenant_id,
        patientId: share.patient_id,
        occurredAt: now,
        actor: 'patient',
        event: { $case: 'documentDownloaded', value: { shareId: share.id, documentId: share.document_id } },
      });
      return { kind: 'content', bytes, contentType: document.content_type, fileName: DOCUMENT_FILE_NAME };
    });
  }

  return { openLink, submitDateOfBirth, submitCode, download };
}

export type ReleaseUseCases = ReturnType<typeof createReleaseUseCases>;
