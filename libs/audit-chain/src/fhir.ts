// Export of a chain as FHIR R4 AuditEvent resources (NDJSON, one per line). The audited facts go
// in standard elements; what the chain needs besides (tenant, seq, prev_hash, hash, detail) goes
// in Careline extensions. `fromFhirAuditEvent` rebuilds the exact hashed record from the resource,
// so editing ANY carried field of an exported line (an agent, a date, an entity) breaks the chain
// offline, not just editing the extensions.
import { z } from 'zod';
import { ACTOR_TYPES, type ActorType, type ChainEntry, OUTCOMES, type Outcome } from './chain';
import { type Checkpoint } from './checkpoint';

const BASE = 'https://careline.health/fhir';
export const FHIR_SYSTEMS = {
  action: `${BASE}/CodeSystem/audit-action`,
  actorType: `${BASE}/CodeSystem/audit-actor-type`,
  waIdHash: `${BASE}/NamingSystem/wa-id-hash`,
  resource: `${BASE}/NamingSystem/resource`,
  source: `${BASE}/NamingSystem/source`,
} as const;
export const FHIR_EXTENSIONS = {
  tenant: `${BASE}/StructureDefinition/audit-tenant`,
  seq: `${BASE}/StructureDefinition/audit-seq`,
  prevHash: `${BASE}/StructureDefinition/audit-prev-hash`,
  hash: `${BASE}/StructureDefinition/audit-hash`,
  detail: `${BASE}/StructureDefinition/audit-detail`,
  outcome: `${BASE}/StructureDefinition/audit-outcome`,
} as const;

/** R4 AuditEvent.outcome: 0 success, 4 minor failure (refused), 8 serious failure. */
const FHIR_OUTCOME: Record<Outcome, string | undefined> = { unknown: undefined, success: '0', denied: '4', failure: '8' };

/** R4 AuditEvent.action (C/R/U/D/E) from the verb of `<resource>.<verb>`; informative only. */
function fhirAction(action: string): string {
  const verb = action.slice(action.lastIndexOf('.') + 1);
  if (/^(created|sent|received|uploaded)$/.test(verb)) return 'C';
  if (/^(viewed|read|listed|downloaded|searched|exported)$/.test(verb)) return 'R';
  if (/^(updated|revoked|changed|granted)$/.test(verb)) return 'U';
  if (/^(deleted|purged)$/.test(verb)) return 'D';
  return 'E';
}

export function toFhirAuditEvent(entry: ChainEntry): Record<string, unknown> {
  const entities: Record<string, unknown>[] = [];
  if (entry.patientId !== '') entities.push({ what: { reference: `Patient/${entry.patientId}` } });
  if (entry.patientWaIdHash !== '') {
    entities.push({ what: { identifier: { system: FHIR_SYSTEMS.waIdHash, value: entry.patientWaIdHash } } });
  }
  if (entry.resourceType !== '' || entry.resourceId !== '') {
    entities.push({
      what: { identifier: { system: `${FHIR_SYSTEMS.resource}/${entry.resourceType}`, value: entry.resourceId } },
    });
  }
  const outcome = FHIR_OUTCOME[entry.outcome];
  return {
    resourceType: 'AuditEvent',
    id: entry.eventId,
    extension: [
      { url: FHIR_EXTENSIONS.tenant, valueString: entry.tenantId },
      { url: FHIR_EXTENSIONS.seq, valueInteger: entry.seq },
      { url: FHIR_EXTENSIONS.prevHash, valueString: entry.prevHash },
      { url: FHIR_EXTENSIONS.hash, valueString: entry.hash },
      { url: FHIR_EXTENSIONS.outcome, valueCode: entry.outcome },
      { url: FHIR_EXTENSIONS.detail, valueString: JSON.stringify(entry.detail) },
    ],
    type: { system: FHIR_SYSTEMS.action, code: entry.action },
    action: fhirAction(entry.action),
    recorded: entry.occurredAt,
    ...(outcome === undefined ? {} : { outcome }),
    agent: [
      {
        type: { coding: [{ system: FHIR_SYSTEMS.actorType, code: entry.actorType }] },
        who: { identifier: { value: entry.actorId } },
        requestor: true,
      },
    ],
    source: { observer: { identifier: { system: FHIR_SYSTEMS.source, value: entry.source } } },
    ...(entities.length === 0 ? {} : { entity: entities }),
  };
}

const extensionSchema = z.object({
  url: z.string(),
  valueString: z.string().optional(),
  valueInteger: z.number().int().optional(),
  valueCode: z.string().optional(),
});
const identifierSchema = z.object({ system: z.string().optional(), value: z.string() });
const auditEventSchema = z.object({
  resourceType: z.literal('AuditEvent'),
  id: z.string(),
  extension: z.array(extensionSchema),
  type: z.object({ system: z.string(), code: z.string() }),
  recorded: z.string(),
  agent: z
    .array(
      z.object({
        type: z.object({ coding: z.array(z.object({ system: z.string(), code: z.string() })).min(1) }),
        who: z.object({ identifier: identifierSchema }),
      }),
    )
    .length(1),
  source: z.object({ observer: z.object({ identifier: identifierSchema }) }),
  entity: z
    .array(z.object({ what: z.object({ reference: z.string().optional(), identifier: identifierSchema.optional() }) }))
    .optional(),
});

export class ExportFormatError extends Error {}

/** Rebuilds the chain entry from an exported resource; throws ExportFormatError when it is not one. */
export function fromFhirAuditEvent(input: unknown): ChainEntry {
  const parsed = auditEventSchema.safeParse(input);
  if (!parsed.success) throw new ExportFormatError('not a Careline AuditEvent');
  const resource = parsed.data;
  const ext = (url: string) => resource.extension.find((e) => e.url === url);
  const str = (url: string): string => {
    const value = ext(url)?.valueString;
    if (value === undefined) throw new ExportFormatError(`extension ${url} missing`);
    return value;
  };
  const seq = ext(FHIR_EXTENSIONS.seq)?.valueInteger;
  if (seq === undefined) throw new ExportFormatError('extension audit-seq missing');
  const outcome = ext(FHIR_EXTENSIONS.outcome)?.valueCode;
  if (!OUTCOMES.includes(outcome as Outcome)) throw new ExportFormatError('bad outcome');
  const detail = z.record(z.string(), z.string()).safeParse(JSON.parse(str(FHIR_EXTENSIONS.detail)));
  if (!detail.success) throw new ExportFormatError('bad detail');
  const agent = resource.agent[0];
  const actorType = agent?.type.coding[0]?.code;
  if (agent === undefined || !ACTOR_TYPES.includes(actorType as ActorType)) throw new ExportFormatError('bad actor type');

  let patientId = '';
  let patientWaIdHash = '';
  let resourceType = '';
  let resourceId = '';
  const resourcePrefix = `${FHIR_SYSTEMS.resource}/`;
  for (const entity of resource.entity ?? []) {
    const { reference, identifier } = entity.what;
    if (reference?.startsWith('Patient/') === true) patientId = reference.slice('Patient/'.length);
    else if (identifier?.system === FHIR_SYSTEMS.waIdHash) patientWaIdHash = identifier.value;
    else if (identifier?.system?.startsWith(resourcePrefix) === true) {
      resourceType = identifier.system.slice(resourcePrefix.length);
      resourceId = identifier.value;
    } else throw new ExportFormatError('unknown entity');
  }
  return {
    tenantId: str(FHIR_EXTENSIONS.tenant),
    seq,
    eventId: resource.id,
    source: resource.source.observer.identifier.value,
    action: resource.type.code,
    actorType: actorType as ActorType,
    actorId: agent.who.identifier.value,
    patientId,
    patientWaIdHash,
    resourceType,
    resourceId,
    outcome: outcome as Outcome,
    occurredAt: resource.recorded,
    detail: detail.data,
    prevHash: str(FHIR_EXTENSIONS.prevHash),
    hash: str(FHIR_EXTENSIONS.hash),
  };
}

export function toNdjsonLine(entry: ChainEntry): string {
  return `${JSON.stringify(toFhirAuditEvent(entry))}\n`;
}

const checkpointSchema = z.object({
  tenantId: z.string(),
  seq: z.number().int().positive(),
  hash: z.string(),
  signedAt: z.string(),
  keyId: z.string(),
  signature: z.string(),
});

/** The checkpoints file of an export: `{"checkpoints": [...]}`. */
export function parseCheckpointsFile(input: unknown): Checkpoint[] {
  const parsed = z.object({ checkpoints: z.array(checkpointSchema) }).safeParse(input);
  if (!parsed.success) throw new ExportFormatError('not a checkpoints file');
  return parsed.data.checkpoints;
}
