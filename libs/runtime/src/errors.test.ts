import { Metadata, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { DomainError, ERROR_KINDS, type ErrorKind, failedPrecondition, notFound, unavailable } from './errors';
import { ERROR_CODE_KEY, fromGrpcError, toGrpcStatus } from './grpc-status';
import { toProblem } from './problem';

const HTTP: Record<ErrorKind, number> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  conflict: 409,
  failed_precondition: 409,
  resource_exhausted: 429,
  internal: 500,
  unavailable: 503,
};

const GRPC: Record<ErrorKind, status> = {
  invalid_argument: status.INVALID_ARGUMENT,
  unauthenticated: status.UNAUTHENTICATED,
  permission_denied: status.PERMISSION_DENIED,
  not_found: status.NOT_FOUND,
  conflict: status.ALREADY_EXISTS,
  failed_precondition: status.FAILED_PRECONDITION,
  resource_exhausted: status.RESOURCE_EXHAUSTED,
  internal: status.INTERNAL,
  unavailable: status.UNAVAILABLE,
};

describe('DomainError', () => {
  it('derives retryable from the kind unless told', () => {
    expect(unavailable('broker_down', 'Kafka is unavailable.').retryable).toBe(true);
    expect(notFound('patient_not_found', 'No such patient.').retryable).toBe(false);
    expect(new DomainError({ code: 'x', kind: 'internal', message: 'm', retryable: true }).retryable).toBe(true);
  });

  it('refuses a code that is not snake_case', () => {
    expect(() => new DomainError({ code: 'Window Closed', kind: 'conflict', message: 'm' })).toThrow(TypeError);
  });
});

describe('toProblem', () => {
  it.each(ERROR_KINDS)('maps %s to its HTTP status', (kind) => {
    const problem = toProblem(new DomainError({ code: 'some_code', kind, message: 'Safe message.' }));
    expect(problem.status).toBe(HTTP[kind]);
  });

  it('keeps code, message and details of a DomainError', () => {
    const error = failedPrecondition('window_closed', 'The 24-hour window is closed; send a template.', {
      details: { conversationId: 'c-1' },
    });
    expect(toProblem(error, '/v1/conversations/c-1/messages')).toEqual({
      type: 'urn:careline:problem:window_closed',
      title: 'Conflict',
      status: 409,
      code: 'window_closed',
      detail: 'The 24-hour window is closed; send a template.',
      instance: '/v1/conversations/c-1/messages',
      details: { conversationId: 'c-1' },
    });
  });

  it('turns unknown errors into a 500 that reveals nothing', () => {
    const problem = toProblem(new Error('duplicate key (phone)=(+447700900123)'));
    expect(problem).toEqual({
      type: 'urn:careline:problem:internal',
      title: 'Internal Server Error',
      status: 500,
      code: 'internal',
      detail: 'An internal error occurred.',
    });
    expect(JSON.stringify(toProblem('a thrown string'))).not.toContain('thrown');
  });

  it('turns framework 4xx errors into a generic problem without their message', () => {
    const parseError = Object.assign(new SyntaxError('Unexpected token in "{"body":"MARKER'), { statusCode: 400 });
    const problem = toProblem(parseError);
    expect(problem).toMatchObject({ status: 400, code: 'bad_request', detail: 'Bad Request.' });
    expect(JSON.stringify(problem)).not.toContain('MARKER');
    expect(toProblem(Object.assign(new Error('x'), { statusCode: 413 }))).toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  it('lists validation failures by path', () => {
    const error = Object.assign(new Error('body/to must be string'), {
      statusCode: 400,
      validation: [{ instancePath: '/to', message: 'must be string' }],
      validationContext: 'body',
    });
    expect(toProblem(error)).toMatchObject({
      status: 400,
      code: 'invalid_request',
      details: { errors: [{ path: 'body/to', message: 'must be string' }] },
    });
  });
});

describe('toGrpcStatus / fromGrpcError', () => {
  it.each(ERROR_KINDS)('round-trips a %s DomainError', (kind) => {
    const error = new DomainError({ code: 'the_code', kind, message: 'Safe message.', details: { id: 'x-1', n: 2 } });
    const grpcStatus = toGrpcStatus(error);
    expect(grpcStatus.code).toBe(GRPC[kind]);
    expect(grpcStatus.metadata.get(ERROR_CODE_KEY)).toEqual(['the_code']);
    const back = fromGrpcError(Object.assign(new Error(`${grpcStatus.code} ${grpcStatus.details}`), grpcStatus));
    expect(back).toBeInstanceOf(DomainError);
    expect({ code: back.code, kind: back.kind, message: back.message, details: back.details, retryable: back.retryable }).toEqual({
      code: 'the_code',
      kind,
      message: 'Safe message.',
      details: { id: 'x-1', n: 2 },
      retryable: error.retryable,
    });
  });

  it('answers INTERNAL without the message for anything else', () => {
    const result = toGrpcStatus(new Error('secret detail MARKER'));
    expect(result.code).toBe(status.INTERNAL);
    expect(result.details).not.toContain('MARKER');
  });

  it('names a failure that has no Careline metadata after its status, without trusting its text', () => {
    const error = Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
      code: status.UNAVAILABLE,
      details: 'No connection established',
      metadata: new Metadata(),
    });
    const domain = fromGrpcError(error);
    expect(domain).toMatchObject({ code: 'upstream_unavailable', kind: 'unavailable', retryable: true });
    expect(domain.cause).toBe(error);
    expect(fromGrpcError({ code: status.DEADLINE_EXCEEDED })).toMatchObject({ kind: 'unavailable', code: 'upstream_deadline_exceeded' });
    expect(fromGrpcError(new Error('not grpc'))).toMatchObject({ kind: 'internal', code: 'internal' });
  });
});
