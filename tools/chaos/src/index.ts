export { type Rng, createRng, inputRng } from './fuzz/rng';
export { type Json, type Schema, fromSchema, hostileJson, hostileString, mutate } from './fuzz/values';
export {
  type FuzzRequest,
  type FuzzResponse,
  type FuzzTarget,
  apiOperations,
  apiTarget,
  metaNotification,
  releaseTarget,
  webhookTarget,
} from './fuzz/targets';
export {
  type FuzzFailure,
  type FuzzReport,
  type FuzzRunOptions,
  type MemoryProbe,
  type TargetScore,
  formatReport,
  runFuzz,
  sampleMemory,
  totalFailures,
} from './fuzz/run';
export { type StackFuzzOptions, type StackFuzzReport, appsNotReady, fuzzStack, stackTargets } from './fuzz/stack';
