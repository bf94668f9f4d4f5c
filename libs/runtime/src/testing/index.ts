// `@careline/runtime/testing`: helpers for other projects' tests.
import { createLogger, type LogLevel, type Logger } from '../logger';

export interface CapturedLogger {
  logger: Logger;
  /** Everything written, as one string: assert that a patient-data marker is absent. */
  text(): string;
  /** Each line parsed as JSON. */
  records(): Record<string, unknown>[];
}

/** The runtime's real logger (same redaction, same format) writing into memory. */
export function captureLogger(options: { name?: string; level?: LogLevel } = {}): CapturedLogger {
  const lines: string[] = [];
  const logger = createLogger({
    name: options.name ?? 'test',
    level: options.level ?? 'debug',
    destination: { write: (line: string) => void lines.push(line) },
  });
  return {
    logger,
    text: () => lines.join(''),
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
