// scheduling's use-cases, built once by the composition root from its dependencies.
import { createAppointmentUseCases } from './appointments';
import { createAuthorize } from './authorize';
import { type UseCaseDeps } from './deps';
import { createReplyHandler } from './handle-reply';
import { createSetupUseCases } from './setup';

export { requireTenantCaller, type TenantCaller } from './caller';
export { type UseCaseDeps } from './deps';

export function createSchedulingUseCases(deps: UseCaseDeps) {
  const authorize = createAuthorize(deps);
  const appointments = createAppointmentUseCases(deps, authorize);
  const setup = createSetupUseCases(deps, authorize);
  return { ...setup, ...appointments, handlePatientMessage: createReplyHandler(deps, appointments) };
}

export type SchedulingUseCases = ReturnType<typeof createSchedulingUseCases>;
