// The slice of a logger this library uses (a pino logger fits), and the bridge that sends kafkajs'
// own logs there instead of the console.
import kafkajs from 'kafkajs';

export interface BusLogger {
  error(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  debug(fields: Record<string, unknown>, message: string): void;
}

const noop = (): void => undefined;
export const silentLogger: BusLogger = { error: noop, warn: noop, info: noop, debug: noop };

// Fields of a kafkajs log entry worth keeping. The rest (stacks, request dumps) is noise, and an
// allow-list keeps anything message-shaped out of the logs.
const keptFields = [
  'broker',
  'clientId',
  'groupId',
  'memberId',
  'topic',
  'partition',
  'retryCount',
  'retryTime',
];

/** A kafkajs `logCreator` writing warn and error entries to `logger`, with a `kafka` namespace. */
export function kafkaLogCreator(logger: BusLogger): kafkajs.logCreator {
  return () => (entry) => {
    const fields: Record<string, unknown> = { kafka: entry.namespace };
    const content = entry.log as Record<string, unknown>;
    for (const key of keptFields) {
      if (content[key] !== undefined) fields[key] = content[key];
    }
    if (typeof content.error === 'string') fields.error = content.error;
    const message = `kafkajs: ${entry.log.message}`;
    switch (entry.level) {
      case kafkajs.logLevel.ERROR:
        logger.error(fields, message);
        return;
      case kafkajs.logLevel.WARN:
        logger.warn(fields, message);
        return;
      case kafkajs.logLevel.INFO:
      case kafkajs.logLevel.DEBUG:
      case kafkajs.logLevel.NOTHING:
        return;
    }
  };
}
