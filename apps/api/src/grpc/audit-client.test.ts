// How a failed AuditService call becomes a DomainError: Careline trailers keep their code, an
// unreachable or silent audit is `service_unavailable`, a refused caller is our bug (500).
import { Metadata, status } from '@grpc/grpc-js';
import { permissionDenied, toGrpcStatus, unauthenticated } from '@careline/runtime';
import { describe, expect, it } from 'vitest';
import { auditCallError } from './audit-client';

function serviceError(code: status, details = '', metadata = new Metadata()) {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata });
}

function fromServer(error: Parameters<typeof toGrpcStatus>[0]) {
  const grpcStatus = toGrpcStatus(error);
  return serviceError(grpcStatus.code, grpcStatus.details, grpcStatus.metadata);
}

describe('auditCallError', () => {
  it("keeps audit's own refusal code", () => {
    expect(auditCallError(fromServer(permissionDenied('role_required', 'Needs audit:read.')))).toMatchObject({
      code: 'role_required',
      kind: 'permission_denied',
    });
  });

  it.each([status.UNAVAILABLE, status.DEADLINE_EXCEEDED])('turns a bare status %s into service_unavailable', (code) => {
    expect(auditCallError(serviceError(code, 'connect ECONNREFUSED 127.0.0.1:50054'))).toMatchObject({
      code: 'service_unavailable',
      kind: 'unavailable',
      details: { service: 'audit' },
    });
  });

  it('does not pass a refusal of the caller metadata on as a 401 to the user', () => {
    expect(auditCallError(fromServer(unauthenticated('tenant_required', 'x-careline-tenant is required.')))).toMatchObject({
      code: 'upstream_rejected_caller',
      kind: 'internal',
    });
  });
});
