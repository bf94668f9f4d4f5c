// Consent: decisions are appended (the history is the record); the current decision per kind is
// the latest. Messaging consent is checked before a result notice is sent.
import { randomUUID } from 'node:crypto';
import {
  ConsentKind,
  ConsentSource,
  type ListConsentsRequest,
  type ListConsentsResponse,
  type RecordConsentRequest,
  type RecordConsentResponse,
} from '@careline/contracts';
import { isUuid, withTenant } from '@careline/db';
import { type ConsentRow, insertConsent, listConsents } from '../db/consents';
import { getPatient } from '../db/patients';
import { invalidRequest, patientNotFound } from '../domain/errors';
import { AUDIT_ACTIONS, recordAudit } from './audit';
import { type Authorize } from './authorize';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';
import { actorOf } from './patients';
import { consentView } from './views';

function kindOf(kind: ConsentKind): ConsentRow['kind'] {
  switch (kind) {
    case ConsentKind.CONSENT_KIND_MESSAGING:
      return 'messaging';
    case ConsentKind.CONSENT_KIND_RESULT_RELEASE_WHATSAPP:
      return 'result_release_whatsapp';
    case ConsentKind.CONSENT_KIND_UNSPECIFIED:
    case ConsentKind.UNRECOGNIZED:
      throw invalidRequest('kind', 'must be set');
  }
}

function sourceOf(source: ConsentSource): ConsentRow['source'] {
  switch (source) {
    case ConsentSource.CONSENT_SOURCE_WHATSAPP:
      return 'whatsapp';
    case ConsentSource.CONSENT_SOURCE_STAFF:
      return 'staff';
    case ConsentSource.CONSENT_SOURCE_PAPER_FORM:
      return 'paper_form';
    case ConsentSource.CONSENT_SOURCE_EHR_IMPORT:
      return 'ehr_import';
    case ConsentSource.CONSENT_SOURCE_UNSPECIFIED:
    case ConsentSource.UNRECOGNIZED:
      throw invalidRequest('source', 'must be set');
  }
}

/** The latest decision per kind, from a newest-first history. */
export function currentConsents(history: readonly ConsentRow[]): ConsentRow[] {
  const seen = new Set<string>();
  return history.filter((row) => (seen.has(row.kind) ? false : (seen.add(row.kind), true)));
}

export function createConsentUseCases(deps: UseCaseDeps, authorize: Authorize) {
  const { clock } = deps;

  async function recordConsent(
    caller: TenantCaller,
    request: RecordConsentRequest,
  ): Promise<RecordConsentResponse> {
    await authorize(caller, 'patients:write', AUDIT_ACTIONS.recordConsent, {
      type: 'patient',
      id: request.patientId,
    });
    const kind = kindOf(request.kind);
    const source = sourceOf(request.source);
    if (!isUuid(request.patientId)) throw patientNotFound();
    const { tenantId } = caller;
    const now = clock();
    const row = await withTenant(deps.pool, tenantId, async (client) => {
      const patient = await getPatient(client, tenantId, request.patientId, { lock: true });
      if (patient === undefined) return undefined;
      const consent: ConsentRow = {
        id: randomUUID(),
        patient_id: patient.id,
        kind,
        granted: request.granted,
        source,
        recorded_by: caller.actor,
        recorded_at: now,
      };
      await insertConsent(client, tenantId, consent);
      await recordAudit(client, {
        tenantId,
        actor: actorOf(caller),
        action: AUDIT_ACTIONS.recordConsent,
        resource: { type: 'consent', id: consent.id },
        patientId: patient.id,
        outcome: 'success',
        detail: { kind, granted: String(request.granted), source },
        at: now,
      });
      return consent;
    });
    if (row === undefined) throw patientNotFound();
    return { consent: consentView(row) };
  }

  async function listConsentsCall(
    caller: TenantCaller,
    request: ListConsentsRequest,
  ): Promise<ListConsentsResponse> {
    await authorize(caller, 'patients:read', AUDIT_ACTIONS.readConsents, {
      type: 'patient',
      id: request.patientId,
    });
    if (!isUuid(request.patientId)) throw patientNotFound();
    const { tenantId } = caller;
    const history = await withTenant(deps.pool, tenantId, async (client) => {
      const patient = await getPatient(client, tenantId, request.patientId);
      if (patient === undefined) return undefined;
      await recordAudit(client, {
        tenantId,
        actor: actorOf(caller),
        action: AUDIT_ACTIONS.readConsents,
        resource: { type: 'patient', id: patient.id },
        patientId: patient.id,
        outcome: 'success',
        at: clock(),
      });
      return listConsents(client, tenantId, patient.id);
    });
    if (history === undefined) throw patientNotFound();
    return { history: history.map(consentView), current: currentConsents(history).map(consentView) };
  }

  return { recordConsent, listConsents: listConsentsCall };
}
