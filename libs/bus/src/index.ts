// Public door of @careline/bus: CloudEvents over Kafka, the idempotent producer, the transactional
// outbox and its relay, the idempotent consumer with dead letters. See README.md.
export {
  type EventDescriptor,
  type IncomingKafkaMessage,
  type KafkaRecord,
  type OutgoingEvent,
  type ReceivedEvent,
  contentType,
  fromKafkaMessage,
  headerNames,
  specVersion,
  toKafkaMessage,
} from './envelope';
export {
  InvalidEventError,
  KafkaUnavailableError,
  PoisonMessageError,
  describeFailure,
  isNonRetryable,
  isTransientInfrastructureError,
  safeErrorInfo,
} from './errors';
export { type BusLogger } from './logger';
export { type Resource } from './resource';
export {
  type BusKafka,
  type EnsureTopicsOptions,
  type KafkaOptions,
  type TopicSpec,
  MissingTopicsError,
  assertTopicsExist,
  createKafka,
  dlqTopic,
  ensureTopics,
  logicalTopic,
  physicalName,
} from './kafka';
export {
  type BusProducer,
  type ProducerOptions,
  type PublishedEvent,
  type RawRecord,
  createProducer,
} from './producer';
export {
  type BackoffOptions,
  type BusConsumer,
  type ConsumerOptions,
  type ConsumerTuning,
  type EventHandler,
  type HandlerOptions,
  type InPartitionConcurrency,
  type MessageContext,
  type StatelessConsumerOptions,
  type TransactionalContext,
  createConsumer,
  createStatelessConsumer,
  defineHandler,
} from './consumer';
export { dlqHeaderNames } from './dlq';
export {
  BUS_METRIC_NAMES,
  type BusMetrics,
  type BusMetricsOptions,
  type DeadLetterReason,
  type OutboxBacklog,
  type PartitionLag,
  createBusMetrics,
} from './metrics';
export { type ContractTopicsOptions, contractTopicSpecs } from './contract-topics';
export { busMigrationComponent, busMigrations, outboxChannel } from './outbox/migrations';
export { enqueue } from './outbox/enqueue';
export { pruneProcessedEvents } from './outbox/processed';
export { type OutboxRelay, type OutboxRelayOptions, createOutboxRelay } from './outbox/relay';
