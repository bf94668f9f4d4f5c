// Offline verification of an export: the NDJSON chain, then every checkpoint against it.
import { type KeyObject } from 'node:crypto';
import { type ChainEntry, createChainVerifier } from './chain';
import { type Checkpoint, verifyCheckpoint } from './checkpoint';
import { ExportFormatError, fromFhirAuditEvent } from './fhir';

export type OfflineVerdict =
  | { ok: true; entries: number; checkpoints: number; tenantId: string | undefined }
  | { ok: false; seq: number | undefined; message: string };

export function verifyExport(ndjson: string, checkpoints: readonly Checkpoint[], publicKey: KeyObject): OfflineVerdict {
  const verifier = createChainVerifier();
  const bySeq = new Map<number, ChainEntry>();
  let tenantId: string | undefined;
  const lines = ndjson.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let entry: ChainEntry;
    try {
      entry = fromFhirAuditEvent(JSON.parse(line));
    } catch (error) {
      const why = error instanceof ExportFormatError ? error.message : 'not JSON';
      // A line we cannot read is where the chain breaks: it is the next expected seq.
      const seq = verifier.result().ok ? (bySeq.size + 1) : undefined;
      return { ok: false, seq, message: `line ${index + 1}: ${why}` };
    }
    tenantId ??= entry.tenantId;
    if (entry.tenantId !== tenantId) {
      return { ok: false, seq: entry.seq, message: `line ${index + 1}: seq ${entry.seq} belongs to another tenant` };
    }
    const broken = verifier.push(entry);
    if (broken !== undefined) return { ok: false, seq: broken.seq, message: `${broken.reason}: ${broken.message}` };
    bySeq.set(entry.seq, entry);
  }
  for (const checkpoint of checkpoints) {
    if (tenantId !== undefined && checkpoint.tenantId !== tenantId) {
      return { ok: false, seq: checkpoint.seq, message: `checkpoint at seq ${checkpoint.seq} is for another tenant` };
    }
    const verdict = verifyCheckpoint(checkpoint, publicKey, (seq) => bySeq.get(seq));
    if (!verdict.ok) return { ok: false, seq: checkpoint.seq, message: `${verdict.problem}: ${verdict.message}` };
  }
  return { ok: true, entries: bySeq.size, checkpoints: checkpoints.length, tenantId };
}
