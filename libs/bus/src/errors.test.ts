import { failedPrecondition, unavailable } from '@careline/runtime';
import { describe, expect, it } from 'vitest';
import { deadLetterRecord } from './dlq';
import {
  KafkaUnavailableError,
  PoisonMessageError,
  describeFailure,
  isNonRetryable,
  isTransientInfrastructureError,
  safeErrorInfo,
} from './errors';

function withCode(message: string, code: string, name = 'Error'): Error {
  const error = new Error(message);
  error.name = name;
  Object.assign(error, { code });
  return error;
}

describe('isTransientInfrastructureError', () => {
  it.each([
    ['connection refused', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['connection reset', withCode('read ECONNRESET', 'ECONNRESET')],
    [
      'admin shutdown',
      withCode('terminating connection due to administrator command', '57P01', 'DatabaseError'),
    ],
    ['cannot connect now', withCode('the database system is starting up', '57P03', 'DatabaseError')],
    ['connection exception class', withCode('connection failure', '08006', 'DatabaseError')],
    ['too many connections', withCode('sorry, too many clients already', '53300', 'DatabaseError')],
    ['serialization failure', withCode('could not serialize access', '40001', 'DatabaseError')],
    ['pg-pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['pg connection lost', new Error('Connection terminated unexpectedly')],
    [
      'wrapped in a cause',
      new Error('could not save conversation', { cause: withCode('x', 'ECONNREFUSED') }),
    ],
    ['inside an AggregateError', new AggregateError([withCode('x', 'ECONNREFUSED')], 'all addresses failed')],
    ['an unavailable dependency', unavailable('records_down', 'records service unavailable')],
    ['kafka unavailable', new KafkaUnavailableError('kafka unreachable at 127.0.0.1:9092')],
  ])('counts %s as the infrastructure, not the handler', (_label, error) => {
    expect(isTransientInfrastructureError(error)).toBe(true);
  });

  it.each([
    ['a plain handler error', new Error('cannot book this slot')],
    ['a domain error of another kind', failedPrecondition('slot_taken', 'the slot is taken')],
    [
      'a constraint violation',
      withCode('duplicate key value violates unique constraint', '23505', 'DatabaseError'),
    ],
    ['a cast error', withCode('invalid input syntax for type uuid', '22P02', 'DatabaseError')],
    ['a non-error', 'boom'],
  ])('counts %s as the handler failing', (_label, error) => {
    expect(isTransientInfrastructureError(error)).toBe(false);
  });
});

describe('safeErrorInfo', () => {
  it('keeps the code and first line of our own errors, truncated', () => {
    const error = Object.assign(new Error(`slot taken\nsecond line ${'x'.repeat(500)}`), {
      code: 'slot_taken',
    });
    expect(safeErrorInfo(error)).toEqual({ code: 'slot_taken', message: 'slot taken' });
    const long = Object.assign(new Error('y'.repeat(1_000)), { code: 'too_long' });
    expect(safeErrorInfo(long).message.length).toBeLessThanOrEqual(300);
  });

  it('reduces driver and unknown errors to their class name, since their messages may quote data', () => {
    expect(
      safeErrorInfo(withCode('invalid input syntax for type uuid: "Jane Doe"', '22P02', 'DatabaseError')),
    ).toEqual({
      code: 'handler_failed',
      message: 'unexpected DatabaseError',
    });
    expect(safeErrorInfo(withCode('connect ECONNREFUSED 10.0.0.5:5432', 'ECONNREFUSED'))).toEqual({
      code: 'handler_failed',
      message: 'unexpected Error',
    });
    expect(safeErrorInfo(new TypeError("Cannot read properties of undefined (reading 'Jane')"))).toEqual({
      code: 'handler_failed',
      message: 'unexpected TypeError',
    });
    expect(safeErrorInfo('a string')).toEqual({
      code: 'handler_failed',
      message: 'a non-error value was thrown',
    });
  });

  it('keeps the message of a DomainError, safe by contract', () => {
    expect(safeErrorInfo(failedPrecondition('window_closed', 'the 24-hour window is closed'))).toEqual({
      code: 'window_closed',
      message: 'the 24-hour window is closed',
    });
  });

  it('keeps poison reasons, which name headers only', () => {
    expect(
      safeErrorInfo(
        new PoisonMessageError('invalid_envelope', 'missing or invalid CloudEvents headers: ce_id'),
      ),
    ).toEqual({
      code: 'invalid_envelope',
      message: 'missing or invalid CloudEvents headers: ce_id',
    });
  });
});

describe('describeFailure', () => {
  it('adds the driver code of an infrastructure failure, found through causes', () => {
    const wrapped = new Error('could not save', {
      cause: withCode('connect ECONNREFUSED 10.0.0.5:5432', 'ECONNREFUSED'),
    });
    expect(describeFailure(wrapped)).toEqual({
      code: 'handler_failed',
      message: 'unexpected Error',
      driverCode: 'ECONNREFUSED',
    });
    expect(describeFailure(withCode('terminating connection', '57P01', 'DatabaseError')).driverCode).toBe(
      '57P01',
    );
    expect(describeFailure(failedPrecondition('slot_taken', 'the slot is taken'))).toEqual({
      code: 'slot_taken',
      message: 'the slot is taken',
    });
  });
});

describe('isNonRetryable', () => {
  it('is true only for an explicit retryable: false', () => {
    expect(isNonRetryable(Object.assign(new Error('bad'), { retryable: false }))).toBe(true);
    expect(isNonRetryable(new PoisonMessageError('undecodable_payload', 'x'))).toBe(true);
    expect(isNonRetryable(Object.assign(new Error('flaky'), { retryable: true }))).toBe(false);
    expect(isNonRetryable(new Error('unknown'))).toBe(false);
  });
});

describe('deadLetterRecord', () => {
  it('keeps key, value and headers, replaces earlier dead-letter headers and adds the failure', () => {
    const record = deadLetterRecord(
      {
        topic: 'thing.happened.v1',
        partition: 2,
        offset: '41',
        message: {
          key: Buffer.from('k'),
          value: Buffer.from([1, 2, 3]),
          headers: { ce_id: Buffer.from('id-1'), 'dlq-attempts': '9', 'dlq-error-code': 'old' },
        },
      },
      {
        error: Object.assign(new Error('slot taken'), { code: 'slot_taken' }),
        attempts: 5,
        consumerGroup: 'scheduling',
        failedAt: new Date('2025-01-01T00:00:00Z'),
      },
    );
    expect(record.topic).toBe('thing.happened.v1.dlq');
    expect(record.key).toEqual(Buffer.from('k'));
    expect(record.value).toEqual(Buffer.from([1, 2, 3]));
    expect(record.headers).toEqual({
      ce_id: Buffer.from('id-1'),
      'dlq-error-code': 'slot_taken',
      'dlq-error-message': 'slot taken',
      'dlq-source-topic': 'thing.happened.v1',
      'dlq-source-partition': '2',
      'dlq-source-offset': '41',
      'dlq-attempts': '5',
      'dlq-consumer-group': 'scheduling',
      'dlq-failed-at': '2025-01-01T00:00:00.000Z',
    });
  });
});
