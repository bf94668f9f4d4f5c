/** `ce_source` of every event the gateway emits. */
export const EVENT_SOURCE = '/careline/gateway';
