// How a failed SchedulingService call becomes a DomainError (what the api answers): scheduling's
// codes survive the wire; a time outside working hours is the request's fault (400), a taken slot
// and a finished appointment stay conflicts (409); an unreachable scheduling is service_unavailable.
import { Metadata, status } from '@grpc/grpc-js';
import { conflict, failedPrecondition, httpStatusForKind, invalidArgument, notFound, toGrpcStatus } from '@careline/runtime';
import { describe, expect, it } from 'vitest';
import { schedulingCallError } from './scheduling-client';

function serviceError(code: status, details = '', metadata = new Metadata()) {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata });
}

function fromServer(error: Parameters<typeof toGrpcStatus>[0]) {
  const grpcStatus = toGrpcStatus(error);
  return serviceError(grpcStatus.code, grpcStatus.details, grpcStatus.metadata);
}

describe('schedulingCallError', () => {
  it.each([
    [failedPrecondition('outside_working_hours', "The time is outside the clinician's working hours."), 400],
    [conflict('slot_taken', 'The clinician already has an appointment at that time.'), 409],
    [failedPrecondition('appointment_not_active', 'The appointment is cancelled or finished and cannot change.'), 409],
    [notFound('appointment_not_found', 'No such appointment for this tenant.'), 404],
    [invalidArgument('invalid_request', 'patient.wa_id must be an international number.', { details: { field: 'patient.wa_id' } }), 400],
  ])('answers %s with its code and HTTP %i', (error, httpStatus) => {
    const mapped = schedulingCallError(fromServer(error));
    expect(mapped.code).toBe(error.code);
    expect(httpStatusForKind(mapped.kind)).toBe(httpStatus);
    if (error.details !== undefined) expect(mapped.details).toEqual(error.details);
  });

  it.each([status.UNAVAILABLE, status.DEADLINE_EXCEEDED])('turns a bare status %s into service_unavailable', (code) => {
    expect(schedulingCallError(serviceError(code, 'connect ECONNREFUSED 127.0.0.1:50052'))).toMatchObject({
      code: 'service_unavailable',
      kind: 'unavailable',
      details: { service: 'scheduling' },
    });
  });
});
