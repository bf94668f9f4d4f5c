import { Writable } from 'node:stream';
import { createLogger } from '@careline/runtime';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { type BusLogger, kafkaLogCreator } from './logger';

function entry(level: kafkajs.logLevel, log: Record<string, unknown>): kafkajs.LogEntry {
  return {
    namespace: 'Connection',
    level,
    label: 'X',
    log: { timestamp: 'now', message: 'Connection error', ...log },
  };
}

describe('kafkaLogCreator', () => {
  it('sends kafkajs warnings and errors to our logger with an allow-list of fields, and drops the rest', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    // The runtime's logger is what services pass; it must fit BusLogger as is.
    const logger: BusLogger = createLogger({ name: 'bus-test', level: 'debug', destination });
    const log = kafkaLogCreator(logger)(kafkajs.logLevel.WARN);
    log(
      entry(kafkajs.logLevel.ERROR, {
        broker: '127.0.0.1:9092',
        error: 'connect ECONNREFUSED',
        stack: 'at x',
        payload: 'patient words',
      }),
    );
    log(entry(kafkajs.logLevel.WARN, { groupId: 'g', retryCount: 2 }));
    log(entry(kafkajs.logLevel.INFO, { broker: 'b' }));
    log(entry(kafkajs.logLevel.DEBUG, { broker: 'b' }));

    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed).toHaveLength(2);
    expect(parsed[0]).toMatchObject({
      level: 'error',
      msg: 'kafkajs: Connection error',
      kafka: 'Connection',
      broker: '127.0.0.1:9092',
      error: 'connect ECONNREFUSED',
    });
    expect(parsed[0]).not.toHaveProperty('stack');
    expect(lines[0]).not.toContain('patient words');
    expect(parsed[1]).toMatchObject({ level: 'warn', groupId: 'g', retryCount: 2 });
  });
});
