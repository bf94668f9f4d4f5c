// An in-memory SchedulingService (the reminder policy only) for the api's tests, following
// proto/careline/scheduling/v1/scheduling.proto and apps/scheduling's behaviour where the api can
// observe it: the tenant from the caller (never a request field), a default policy until one is
// set, stages kept earliest-first, duplicate stage names refused as `invalid_request`. Not
// modelled: the audit, and the permission re-check. NOTE: scheduling checks `appointments:read` /
// `appointments:write` on these calls today, which `admin` does not hold (nor the platform
// operator), so against the real service an admin gets 403 until scheduling checks
// `tenant:admin` (or the operator role) for its reminder-policy calls.
import type { ReminderPolicy } from '@careline/contracts';
import { type Caller, invalidArgument, unauthenticated, unavailable } from '@careline/runtime';
import type { SchedulingClient } from '../grpc/scheduling-client';

export interface RecordedSchedulingCall {
  method: 'getReminderPolicy' | 'setReminderPolicy';
  caller: Caller;
  request: unknown;
}

export interface FakeScheduling {
  client: SchedulingClient;
  calls: RecordedSchedulingCall[];
  setAvailable(available: boolean): void;
}

/** scheduling's default policy (apps/scheduling/src/domain/policy.ts). */
export const DEFAULT_REMINDER_POLICY: ReminderPolicy = {
  stages: [
    { name: '24h', minutesBefore: 24 * 60, templates: { en_US: 'appointment_reminder' } },
    { name: '2h', minutesBefore: 120, templates: { en_US: 'appointment_reminder' } },
  ],
  quietStart: '21:00',
  quietEnd: '08:00',
  minLeadMinutes: 60,
  noShowAfterMinutes: 60,
  videoLinkTemplate: 'https://video.example/{appointment_id}',
  defaultLanguage: 'en_US',
};

export function createFakeScheduling(): FakeScheduling {
  const policies = new Map<string, ReminderPolicy>();
  const calls: RecordedSchedulingCall[] = [];
  let available = true;

  // A refusal rejects the promise (as over gRPC) rather than throwing synchronously.
  const run = <T>(method: RecordedSchedulingCall['method'], caller: Caller, request: unknown, fn: (tenantId: string) => T): Promise<T> => {
    try {
      if (!available) throw unavailable('service_unavailable', 'The scheduling service is unavailable; try again shortly.', { details: { service: 'scheduling' } });
      if (caller.tenantId === undefined) throw unauthenticated('tenant_required', 'x-careline-tenant is required.');
      calls.push({ method, caller, request });
      return Promise.resolve(fn(caller.tenantId));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error('fake scheduling failed'));
    }
  };

  const client: SchedulingClient = {
    getReminderPolicy: (caller) =>
      run('getReminderPolicy', caller, {}, (tenantId) => ({ policy: policies.get(tenantId) ?? DEFAULT_REMINDER_POLICY })),
    setReminderPolicy: (caller, request) =>
      run('setReminderPolicy', caller, request, (tenantId) => {
        const policy = request.policy;
        if (policy === undefined) throw invalidArgument('invalid_request', 'The field policy is required.', { details: { field: 'policy' } });
        if (new Set(policy.stages.map((stage) => stage.name)).size !== policy.stages.length) {
          throw invalidArgument('invalid_request', 'The field policy. stage names must be unique.', { details: { field: 'policy.' } });
        }
        const stored = { ...policy, stages: [...policy.stages].sort((a, b) => b.minutesBefore - a.minutesBefore) };
        policies.set(tenantId, stored);
        return { policy: stored };
      }),
    close: () => undefined,
  };

  return {
    client,
    calls,
    setAvailable: (value) => {
      available = value;
    },
  };
}
