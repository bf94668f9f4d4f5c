// How a failed MessagingService call becomes a DomainError: Careline trailers keep their code,
// an unreachable or silent messaging is `service_unavailable`, a refused caller is our bug (500).
import { Metadata, status } from '@grpc/grpc-js';
import { failedPrecondition, notFound, toGrpcStatus, unauthenticated } from '@careline/runtime';
import { describe, expect, it } from 'vitest';
import { messagingCallError } from './messaging-client';

/** A grpc-js ServiceError as the client sees it. */
function serviceError(code: status, details = '', metadata = new Metadata()) {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata });
}

function fromServer(error: Parameters<typeof toGrpcStatus>[0]) {
  const grpcStatus = toGrpcStatus(error);
  return serviceError(grpcStatus.code, grpcStatus.details, grpcStatus.metadata);
}

describe('messagingCallError', () => {
  it('keeps the code, kind, message and details a Careline service sent', () => {
    const error = messagingCallError(
      fromServer(
        failedPrecondition('window_closed', 'The window is closed.', { details: { conversationId: 'c-1' } }),
      ),
    );
    expect(error).toMatchObject({
      code: 'window_closed',
      kind: 'failed_precondition',
      message: 'The window is closed.',
      details: { conversationId: 'c-1' },
    });
    expect(
      messagingCallError(fromServer(notFound('conversation_not_found', 'No such conversation.'))),
    ).toMatchObject({
      code: 'conversation_not_found',
      kind: 'not_found',
    });
  });

  it.each([status.UNAVAILABLE, status.DEADLINE_EXCEEDED])(
    'turns a bare status %s into service_unavailable',
    (code) => {
      expect(messagingCallError(serviceError(code, 'connect ECONNREFUSED 127.0.0.1:50051'))).toMatchObject({
        code: 'service_unavailable',
        kind: 'unavailable',
        retryable: true,
        details: { service: 'messaging' },
      });
    },
  );

  it('does not pass a refusal of the caller metadata on as a 401 to the user', () => {
    const error = messagingCallError(
      fromServer(unauthenticated('invalid_caller', 'Metadata x-careline-actor is malformed.')),
    );
    expect(error).toMatchObject({ code: 'upstream_rejected_caller', kind: 'internal' });
  });

  it('never trusts the text of a foreign failure', () => {
    const error = messagingCallError(serviceError(status.INTERNAL, 'row 7: Ana Example +15550001234'));
    expect(error).toMatchObject({ code: 'internal', kind: 'internal' });
    expect(error.message).not.toContain('Ana');
  });
});
