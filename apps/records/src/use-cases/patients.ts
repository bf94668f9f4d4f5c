// Patients: register, read, update, search, link a contact. Identifying fields are sealed in one
// identity document per patient; lookups go through blind indexes (see domain/patient.ts for what
// search can and cannot do on encrypted data). Every call is audited in its own transaction.
import { randomUUID } from 'node:crypto';
import {
  type CreatePatientRequest,
  type CreatePatientResponse,
  type GetPatientRequest,
  type GetPatientResponse,
  type LinkContactRequest,
  type LinkContactResponse,
  type Patient,
  type PatientFields,
  type SearchPatientsRequest,
  type SearchPatientsResponse,
  type UpdatePatientRequest,
  type UpdatePatientResponse,
  WA_ID_HASH_PURPOSE,
} from '@careline/contracts';
import { isUuid, withTenant } from '@careline/db';
import {
  type PatientLookup,
  type PatientRow,
  findPatients,
  getPatient,
  insertContactLink,
  insertPatient,
  setPatientWaIdHash,
  updatePatient,
} from '../db/patients';
import { invalidPatient, invalidRequest, invalidSearch, mrnTaken, patientNotFound } from '../domain/errors';
import {
  BLIND_INDEX,
  type PatientIdentity,
  normaliseDate,
  normaliseMrn,
  normaliseName,
  normaliseWaId,
  validatePatient,
} from '../domain/patient';
import { atRestContext } from '../domain/sealing';
import { AUDIT_ACTIONS, type Actor, emitRecordEvent, recordActor, recordAudit } from './audit';
import { type Authorize } from './authorize';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';
import { openIdentity, patientView } from './views';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;
const WA_ID_HASH = /^[0-9a-f]{64}$/;

export function actorOf(caller: TenantCaller): Actor {
  return { kind: 'caller', id: caller.actor, roles: caller.roles };
}

function requireFields(fields: PatientFields | undefined): PatientFields {
  if (fields === undefined) throw invalidPatient('fields', 'are required');
  return fields;
}

/** The blind indexes of an identity, all under the tenant's lookup key. */
async function indexesOf(deps: UseCaseDeps, tenantId: string, identity: PatientIdentity) {
  const family = normaliseName(identity.familyName);
  return {
    mrnHash: await deps.sealer.blindIndex(tenantId, BLIND_INDEX.mrn, normaliseMrn(identity.mrn)),
    familyNameHash: await deps.sealer.blindIndex(tenantId, BLIND_INDEX.familyName, family),
    familyNameDobHash: await deps.sealer.blindIndex(
      tenantId,
      BLIND_INDEX.familyNameDob,
      `${family}|${identity.dateOfBirth}`,
    ),
    waIdHash:
      identity.waId === '' ? null : await deps.sealer.blindIndex(tenantId, WA_ID_HASH_PURPOSE, identity.waId),
  };
}

export function createPatientUseCases(deps: UseCaseDeps, authorize: Authorize) {
  const { atRest, clock } = deps;

  async function createPatient(
    caller: TenantCaller,
    request: CreatePatientRequest,
  ): Promise<CreatePatientResponse> {
    await authorize(caller, 'patients:write', AUDIT_ACTIONS.createPatient, { type: 'patient', id: '' });
    const now = clock();
    const { identity, preferredLanguage } = validatePatient(toInput(requireFields(request.patient)), now);
    const id = randomUUID();
    const { tenantId } = caller;
    const row = await withTenant(deps.pool, tenantId, async (client) => {
      const inserted = await insertPatient(client, {
        id,
        tenantId,
        identitySealed: await atRest.seal(
          tenantId,
          JSON.stringify(identity),
          atRestContext.patientIdentity(id),
        ),
        ...(await indexesOf(deps, tenantId, identity)),
        preferredLanguage,
        actor: caller.actor,
        at: now,
      });
      if (!inserted) return undefined;
      await recordAudit(client, {
        tenantId,
        actor: actorOf(caller),
        action: AUDIT_ACTIONS.createPatient,
        resource: { type: 'patient', id },
        patientId: id,
        outcome: 'success',
        at: now,
      });
      const created = await getPatient(client, tenantId, id);
      // messaging links the number's conversations to the patient (by keyed hash, never the number)
      await emitRecordEvent(client, {
        tenantId,
        patientId: id,
        occurredAt: now,
        actor: recordActor(actorOf(caller)),
        event: { $case: 'patientCreated', value: { waIdHash: created?.wa_id_hash ?? '' } },
      });
      return created;
    });
    if (row === undefined) throw mrnTaken();
    return { patient: await patientView(atRest, row) };
  }

  async function readPatient(caller: TenantCaller, patientId: string): Promise<PatientRow> {
    const { tenantId } = caller;
    const row = await withTenant(deps.pool, tenantId, async (client) => {
      const found = isUuid(patientId) ? await getPatient(client, tenantId, patientId) : undefined;
      await recordAudit(client, {
        tenantId,
        actor: actorOf(caller),
        action: AUDIT_ACTIONS.readPatient,
        resource: { type: 'patient', id: found?.id ?? '' },
        ...(found ? { patientId: found.id } : {}),
        outcome: found ? 'success' : 'failure',
        ...(found ? {} : { detail: { reason: 'patient_not_found' } }),
        at: clock(),
      });
      return found;
    });
    if (row === undefined) throw patientNotFound();
    return row;
  }

  async function getPatientCall(
    caller: TenantCaller,
    request: GetPatientRequest,
  ): Promise<GetPatientResponse> {
    await authorize(caller, 'patients:read', AUDIT_ACTIONS.readPatient, {
      type: 'patient',
      id: request.patientId,
    });
    return { patient: await patientView(atRest, await readPatient(caller, request.patientId)) };
  }

  async function updatePatientCall(
    caller: TenantCaller,
    request: UpdatePatientRequest,
  ): Promise<UpdatePatientResponse> {
    await authorize(caller, 'patients:write', AUDIT_ACTIONS.updatePatient, {
      type: 'patient',
      id: request.patientId,
    });
    const now = clock();
    const { identity, preferredLanguage } = validatePatient(toInput(requireFields(request.patient)), now);
    const { tenantId } = caller;
    if (!isUuid(request.patientId)) throw patientNotFound();
    const outcome = await withTenant(deps.pool, tenantId, async (client) => {
      const existing = await getPatient(client, tenantId, request.patientId, { lock: true });
      if (existing === undefined) return 'not_found' as const;
      const updated = await updatePatient(client, {
        id: existing.id,
        tenantId,
        identitySealed: await atRest.seal(
          tenantId,
          JSON.stringify(identity),
          atRestContext.patientIdentity(existing.id),
        ),
        ...(await indexesOf(deps, tenantId, identity)),
        preferredLanguage,
        at: now,
      });
      if (!updated) return 'mrn_taken' as const;
      await recordAudit(client, {
        tenantId,
        actor: actorOf(caller),
        action: AUDIT_ACTIONS.updatePatient,
        resource: { type: 'patient', id: existing.id },
        patientId: existing.id,
        outcome: 'success',
        at: now,
      });
      const current = await getPatient(client, tenantId, existing.id);
      if (current === undefined) return 'not_found' as const;
      // the number as it is now: messaging moves the link when it changed (or drops it when removed)
      await emitRecordEvent(client, {
        tenantId,
        patientId: current.id,
        occurredAt: now,
        actor: recordActor(actorOf(caller)),
        event: { $case: 'patientUpdated', value: { waIdHash: current.wa_id_hash ?? '' } },
      });
      return current;
    });
    if (outcome === 'not_found') throw patientNotFound();
    if (outcome === 'mrn_taken') throw mrnTaken();
    return { patient: await patientView(atRest, outcome) };
  }

  async function searchPatients(
    caller: TenantCaller,
    request: SearchPatientsRequest,
  ): Promise<SearchPatientsResponse> {
    await authorize(caller, 'patients:read', AUDIT_ACTIONS.searchPatients, {
      type: 'patient_search',
      id: '',
    });
    const { tenantId } = caller;
    const limit = request.pageSize <= 0 ? DEFAULT_PAGE : Math.min(request.pageSize, MAX_PAGE);
    const query = request.query;
    let lookup: PatientLookup;
    let givenPrefix = '';
    switch (query?.$case) {
      case 'mrn': {
        const mrn = normaliseMrn(query.value);
        if (mrn === '') throw invalidSearch('The MRN must not be empty.');
        lookup = { by: 'mrn_hash', hash: await deps.sealer.blindIndex(tenantId, BLIND_INDEX.mrn, mrn) };
        break;
      }
      case 'waId': {
        const waId = normaliseWaId(query.value);
        if (!/^\d{8,15}$/.test(waId)) throw invalidSearch('The WhatsApp number must be 8 to 15 digits.');
        lookup = { by: 'wa_id_hash', hash: await deps.sealer.blindIndex(tenantId, WA_ID_HASH_PURPOSE, waId) };
        break;
      }
      case 'name': {
        const family = normaliseName(query.value.familyName);
        if (family === '') throw invalidSearch('The family name must contain a letter.');
        givenPrefix = normaliseName(query.value.givenNamePrefix);
        if (query.value.dateOfBirth.trim() === '') {
          lookup = {
            by: 'family_name_hash',
            hash: await deps.sealer.blindIndex(tenantId, BLIND_INDEX.familyName, family),
          };
        } else {
          const dob = normaliseDate(query.value.dateOfBirth);
          if (dob === undefined) throw invalidSearch('The date of birth must be YYYY-MM-DD.');
          lookup = {
            by: 'family_name_dob_hash',
            hash: await deps.sealer.blindIndex(tenantId, BLIND_INDEX.familyNameDob, `${family}|${dob}`),
          };
        }
        break;
      }
      case undefined:
        throw invalidSearch('Search by mrn, wa_id or name.');
    }
    return withTenant(deps.pool, tenantId, async (client) => {
      // a given-name prefix is applied after opening, so read more candidates than asked for
      const rows = await findPatients(client, tenantId, lookup, givenPrefix === '' ? limit : MAX_PAGE);
      const patients: Patient[] = [];
      for (const row of rows) {
        if (patients.length >= limit) break;
        if (givenPrefix !== '') {
          const identity = await openIdentity(atRest, row);
          if (!normaliseName(identity.givenName).startsWith(givenPrefix)) continue;
        }
        patients.push(await patientView(atRest, row));
      }
      await recordAudit(client, {
        tenantId,
        actor: actorOf(caller),
        action: AUDIT_ACTIONS.searchPatients,
        resource: { type: 'patient_search', id: '' },
        outcome: 'success',
        // which patients were disclosed (ids), and by which key, never the searched values
        detail: {
          by: query.$case,
          count: String(patients.length),
          patient_ids: patients.map((p) => p.id).join(','),
        },
        at: clock(),
      });
      return { patients };
    });
  }

  async function linkContact(
    caller: TenantCaller,
    request: LinkContactRequest,
  ): Promise<LinkContactResponse> {
    await authorize(caller, 'patients:write', AUDIT_ACTIONS.linkContact, {
      type: 'patient',
      id: request.patientId,
    });
    if (!WA_ID_HASH.test(request.waIdHash))
      throw invalidRequest('wa_id_hash', 'must be 64 lowercase hex characters');
    if (request.conversationId !== '' && !isUuid(request.conversationId))
      throw invalidRequest('conversation_id', 'must be a UUID');
    if (!isUuid(request.patientId)) throw patientNotFound();
    const { tenantId } = caller;
    const now = clock();
    const row = await withTenant(deps.pool, tenantId, async (client) => {
      const patient = await getPatient(client, tenantId, request.patientId, { lock: true });
      if (patient === undefined) return undefined;
      const conversationId = request.conversationId === '' ? null : request.conversationId.toLowerCase();
      await insertContactLink(client, {
        id: randomUUID(),
        tenantId,
        patientId: patient.id,
        waIdHash: request.waIdHash,
        conversationId,
        actor: caller.actor,
        at: now,
      });
      // the registry's own number wins; a linked contact fills the gap
      if (patient.wa_id_hash === null)
        await setPatientWaIdHash(client, tenantId, patient.id, request.waIdHash, now);
      await recordAudit(client, {
        tenantId,
        actor: actorOf(caller),
        action: AUDIT_ACTIONS.linkContact,
        resource: { type: 'patient', id: patient.id },
        patientId: patient.id,
        outcome: 'success',
        detail: conversationId === null ? {} : { conversation_id: conversationId },
        at: now,
      });
      await emitRecordEvent(client, {
        tenantId,
        patientId: patient.id,
        occurredAt: now,
        actor: recordActor(actorOf(caller)),
        event: {
          $case: 'contactLinked',
          value: { waIdHash: request.waIdHash, conversationId: conversationId ?? '' },
        },
      });
      return getPatient(client, tenantId, patient.id);
    });
    if (row === undefined) throw patientNotFound();
    return { patient: await patientView(atRest, row) };
  }

  return {
    createPatient,
    getPatient: getPatientCall,
    updatePatient: updatePatientCall,
    searchPatients,
    linkContact,
    /** For other use-cases: the patient row, audited as a read. */
    readPatient,
  };
}

function toInput(fields: PatientFields) {
  return {
    mrn: fields.mrn,
    givenName: fields.givenName,
    familyName: fields.familyName,
    dateOfBirth: fields.dateOfBirth,
    waId: fields.waId,
    preferredLanguage: fields.preferredLanguage,
  };
}
