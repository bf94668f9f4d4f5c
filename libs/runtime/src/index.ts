// @careline/runtime: what every app's composition root is built from. See README.md.

// Configuration
export {
  ConfigError,
  type ConfigProblem,
  type EnvSchema,
  type LoadConfigOptions,
  bool,
  brokers,
  durationMs,
  int,
  list,
  loadConfig,
  logLevel,
  oneOf,
  port,
  secret,
  str,
  url,
} from './config';
export { baseEnv, databaseEnv, grpcEnv, httpEnv, kafkaEnv } from './service-env';
export { type RunMainOptions, describeError, runMain } from './run-main';

// Errors and their edge translations
export {
  DomainError,
  type DomainErrorOptions,
  ERROR_KINDS,
  type ErrorDetails,
  type ErrorKind,
  type JsonValue,
  conflict,
  failedPrecondition,
  internalError,
  invalidArgument,
  isDomainError,
  notFound,
  permissionDenied,
  resourceExhausted,
  unauthenticated,
  unavailable,
} from './errors';
export { PROBLEM_CONTENT_TYPE, type Problem, httpStatusForKind, toProblem } from './problem';
export { type GrpcErrorStatus, fromGrpcError, grpcStatusForKind, toGrpcStatus } from './grpc-status';

// Logging
export {
  type CreateLoggerOptions,
  LOG_LEVELS,
  type LogLevel,
  type Logger,
  REDACTED,
  SENSITIVE_LOG_KEYS,
  createLogger,
  serializeError,
} from './logger';

// Lifecycle, readiness, metrics
export {
  type Lifecycle,
  type LifecycleOptions,
  type LifecycleState,
  type Resource,
  type SignalHandlerOptions,
  StartupError,
  createLifecycle,
} from './lifecycle';
export { type Check, type Readiness, type ReadinessProbe, cachedCheck, evaluateReadiness } from './readiness';
export { type CreateMetricsOptions, type Registry, createMetrics } from './metrics';

// Trace context
export {
  TRACEPARENT_HEADER,
  type TraceContext,
  currentTrace,
  currentTraceId,
  currentTraceparent,
  formatTraceparent,
  newTraceparent,
  parseTraceparent,
  recordSpan,
  runInSpan,
  runWithTrace,
  setSpanExporter,
  type SpanDescription,
} from './trace';
export {
  type FinishedSpan,
  type OtlpExporterOptions,
  type SpanExporter,
  type SpanKind,
  createOtlpExporter,
  otlpExporterFromEnv,
  otlpTraceRequest,
} from './trace-export';

// Servers
export { type HttpServer, type HttpServerOptions, createHttpServer } from './http-server';
export {
  type GrpcServer,
  type GrpcServerOptions,
  type GrpcServiceBinding,
  createGrpcServer,
  grpcService,
} from './grpc-server';
export {
  ACTOR_KEY,
  type Caller,
  type GrpcUnaryOptions,
  ROLES_KEY,
  TENANT_KEY,
  type UnaryContext,
  type UnaryHandler,
  callerFromMetadata,
  grpcUnary,
  metadataForCaller,
  setTraceparent,
  traceparentFromMetadata,
} from './grpc-context';
