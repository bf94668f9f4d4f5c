// @careline/audit-chain: the pure code of the audit log's integrity, shared by the audit service
// (which builds and verifies chains) and tools/audit-verify (which verifies an export offline).
export { type CanonicalValue, canonicalBytes, canonicalJson } from './canonical';
export {
  ACTOR_TYPES,
  type ActorType,
  type AuditRecord,
  type BreakReason,
  type ChainBreak,
  type ChainEntry,
  type ChainOk,
  type ChainVerdict,
  type ChainVerifier,
  GENESIS_HASH,
  OUTCOMES,
  type Outcome,
  appendEntry,
  createChainVerifier,
  entryHash,
  isHash,
  recordForm,
  verifyChain,
} from './chain';
export {
  type Checkpoint,
  type CheckpointBody,
  type CheckpointProblem,
  type CheckpointVerdict,
  type SigningKey,
  keyIdOf,
  parseSigningKey,
  parseVerifyKey,
  signCheckpoint,
  verifyCheckpoint,
} from './checkpoint';
export {
  ExportFormatError,
  FHIR_EXTENSIONS,
  FHIR_SYSTEMS,
  fromFhirAuditEvent,
  parseCheckpointsFile,
  toFhirAuditEvent,
  toNdjsonLine,
} from './fhir';
export { type OfflineVerdict, verifyExport } from './verify-export';
