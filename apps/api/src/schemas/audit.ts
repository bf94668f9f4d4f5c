// The audit log as the REST api shows it to auditors, and how it is made from AuditService's
// messages. Entries carry ids only (patient ids, wa_id hashes, staff ids), never patient data in
// clear; still, who reads them is recorded by audit itself, and they are never logged here.
import type {
  AuditEntry,
  Checkpoint,
  ListCheckpointsResponse,
  QueryEventsResponse,
  VerifyChainResponse,
} from '@careline/contracts';
import { z } from 'zod';
import { dateTime, isoOrNull, nullIfEmpty, pageOf, pageQuerySchema } from './common';

/** Filter values are ids and action names: no reason for more than this. */
const filterText = (description: string) => z.string().min(1).max(200).optional().meta({ description });
const instant = (description: string) =>
  z.iso
    .datetime({ offset: true })
    .optional()
    .meta({ description: `${description} (RFC 3339, e.g. \`2025-03-04T09:15:00Z\`).` });

export const auditEventsQuerySchema = pageQuerySchema.extend({
  patientId: filterText('Only entries about this Careline patient id.'),
  patientWaIdHash: filterText("Only entries about the patient with this wa_id hash (patients known only by number)."),
  actorId: filterText('Only entries by this actor (`user:<subject>` for staff, a client id for integrations).'),
  action: filterText('Only entries of this action, `<resource>.<verb>` (e.g. `conversation.read`, `audit.read`).'),
  from: instant('Only entries that happened at or after this time'),
  to: instant('Only entries that happened before this time'),
});
export type AuditEventsQuery = z.output<typeof auditEventsQuerySchema>;

export const auditEntrySchema = z
  .object({
    seq: z.number().int().min(1).meta({ description: "Position in the tenant's chain, from 1, without gaps." }),
    eventId: z.string().meta({ description: 'The event id (CloudEvents `id`) the entry was chained from.' }),
    source: z.string().meta({ description: 'The service that recorded it, e.g. `/careline/messaging`.' }),
    action: z.string().meta({ description: '`<resource>.<verb>`, e.g. `conversation.read`.' }),
    actor: z.object({
      type: z.string().meta({ description: '`staff`, `patient`, `integration`, `system` or `unknown`.' }),
      id: z.string().meta({ description: 'Who acted: `user:<subject>` for staff, a client id or a service.' }),
    }),
    patient: z.object({
      id: z.string().nullable().meta({ description: 'The Careline patient id, if any.' }),
      waIdHash: z.string().nullable().meta({ description: "The patient's wa_id hash, if any." }),
    }),
    resource: z.object({
      type: z.string().nullable().meta({ description: 'The kind of object acted on, if any.' }),
      id: z.string().nullable().meta({ description: "The object's id, if any." }),
    }),
    outcome: z.string().meta({ description: '`success`, `denied`, `failure` or `unknown`.' }),
    occurredAt: dateTime(),
    detail: z.record(z.string(), z.string()).meta({ description: 'Non-identifying facts (ids, counts, reason codes).' }),
    prevHash: z.string().meta({ description: "The previous entry's hash (64 zeros for seq 1), lowercase hex." }),
    hash: z.string().meta({ description: 'SHA-256 over `prevHash` and the canonical form of the entry, lowercase hex.' }),
  })
  .meta({ id: 'AuditEntry', description: "One entry of the tenant's append-only, hash-chained audit log." });
export type AuditEntryView = z.output<typeof auditEntrySchema>;

export const auditEntryPageSchema = pageOf(auditEntrySchema, 'AuditEntryPage', 'Audit entries, in chain order (oldest first).');
export type AuditEntryPage = z.output<typeof auditEntryPageSchema>;

export const chainStatusSchema = z
  .object({
    ok: z.boolean().meta({ description: 'True when every entry links to the previous one and hashes correctly.' }),
    count: z.number().int().min(0).nullable().meta({ description: 'Entries verified (null when broken).' }),
    brokenSeq: z
      .number()
      .int()
      .min(1)
      .nullable()
      .meta({ description: 'The FIRST sequence number at which the chain no longer holds (null when ok).' }),
    reason: z
      .enum(['gap', 'out_of_order', 'prev_mismatch', 'hash_mismatch', 'tenant_mismatch'])
      .nullable()
      .meta({ description: 'Why it broke (null when ok).' }),
    message: z.string().nullable().meta({ description: 'A one-line explanation: ids and sequence numbers only.' }),
  })
  .meta({ id: 'AuditChainStatus', description: "The verdict over the tenant's whole chain, from seq 1." });
export type ChainStatusView = z.output<typeof chainStatusSchema>;

export const checkpointSchema = z
  .object({
    tenantId: z.string(),
    seq: z.number().int().min(1).meta({ description: 'The chain position signed.' }),
    hash: z.string().meta({ description: "The entry's hash at that position." }),
    signedAt: z.string().meta({ description: 'When it was signed (ISO 8601 UTC, signed as this exact text).' }),
    keyId: z.string().meta({ description: "First 16 hex characters of SHA-256 over the public key's SPKI DER." }),
    signature: z.string().meta({ description: 'Ed25519 signature, base64.' }),
  })
  .meta({ id: 'AuditCheckpoint', description: 'A signed statement that the chain had this hash at this seq.' });

export const checkpointListSchema = z
  .object({
    checkpoints: z.array(checkpointSchema).meta({ description: 'In chain order.' }),
    publicKeyPem: z.string().meta({ description: 'The Ed25519 public key (SPKI PEM) that verifies them.' }),
  })
  .meta({
    id: 'AuditCheckpointList',
    description:
      "The tenant's checkpoints. Saved as a file, this answer is what `tools/audit-verify --checkpoints` reads, next to the export.",
  });
export type CheckpointListView = z.output<typeof checkpointListSchema>;

export function toAuditEntryView(entry: AuditEntry): AuditEntryView {
  return {
    seq: entry.seq,
    eventId: entry.eventId,
    source: entry.source,
    action: entry.action,
    actor: { type: entry.actorType, id: entry.actorId },
    patient: { id: nullIfEmpty(entry.patientId), waIdHash: nullIfEmpty(entry.patientWaIdHash) },
    resource: { type: nullIfEmpty(entry.resourceType), id: nullIfEmpty(entry.resourceId) },
    outcome: entry.outcome,
    // Always set by audit; an empty one would be a bug there, shown rather than invented here.
    occurredAt: isoOrNull(entry.occurredAt) ?? '',
    detail: { ...entry.detail },
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}

export function toAuditEntryPage(response: QueryEventsResponse): AuditEntryPage {
  return { items: response.entries.map(toAuditEntryView), nextCursor: nullIfEmpty(response.nextPageToken) };
}

type Reason = NonNullable<ChainStatusView['reason']>;

export function toChainStatusView(response: VerifyChainResponse): ChainStatusView {
  if (response.ok) return { ok: true, count: response.count, brokenSeq: null, reason: null, message: null };
  return {
    ok: false,
    count: null,
    brokenSeq: response.brokenSeq,
    // Unchecked here on purpose: the route's response schema refuses a reason this api does not
    // document (a 500, logged), rather than pass it to clients unnamed.
    reason: response.reason as Reason,
    message: nullIfEmpty(response.message),
  };
}

export function toCheckpointView(checkpoint: Checkpoint): z.output<typeof checkpointSchema> {
  return { ...checkpoint };
}

export function toCheckpointListView(response: ListCheckpointsResponse): CheckpointListView {
  return { checkpoints: response.checkpoints.map(toCheckpointView), publicKeyPem: response.publicKeyPem };
}
