// SchedulingService over gRPC: the caller from metadata, then the use-case. Errors are translated
// once, by grpcUnary (DomainError → status code + x-careline-error-code).
import { type SchedulingServiceHandlers } from '@careline/contracts';
import { type Logger, grpcUnary } from '@careline/runtime';
import { type SchedulingUseCases, requireTenantCaller } from '../use-cases';

export function createSchedulingGrpcHandlers(useCases: SchedulingUseCases, logger: Logger): SchedulingServiceHandlers {
  const options = { logger };
  return {
    upsertSite: grpcUnary((request, { caller }) => useCases.upsertSite(requireTenantCaller(caller), request), options),
    upsertClinic: grpcUnary((request, { caller }) => useCases.upsertClinic(requireTenantCaller(caller), request), options),
    upsertClinician: grpcUnary((request, { caller }) => useCases.upsertClinician(requireTenantCaller(caller), request), options),
    upsertAppointmentType: grpcUnary((request, { caller }) => useCases.upsertAppointmentType(requireTenantCaller(caller), request), options),
    setWorkingHours: grpcUnary((request, { caller }) => useCases.setWorkingHours(requireTenantCaller(caller), request), options),
    searchAvailability: grpcUnary((request, { caller }) => useCases.searchAvailability(requireTenantCaller(caller), request), options),
    book: grpcUnary((request, { caller }) => useCases.book(requireTenantCaller(caller), request), options),
    reschedule: grpcUnary((request, { caller }) => useCases.reschedule(requireTenantCaller(caller), request), options),
    cancel: grpcUnary((request, { caller }) => useCases.cancel(requireTenantCaller(caller), request), options),
    getAppointment: grpcUnary((request, { caller }) => useCases.getAppointment(requireTenantCaller(caller), request), options),
    listAppointments: grpcUnary((request, { caller }) => useCases.listAppointments(requireTenantCaller(caller), request), options),
    markAttendance: grpcUnary((request, { caller }) => useCases.markAttendance(requireTenantCaller(caller), request), options),
    importAppointments: grpcUnary((request, { caller }) => useCases.importAppointments(requireTenantCaller(caller), request), options),
    getReminderPolicy: grpcUnary((_request, { caller }) => useCases.getReminderPolicy(requireTenantCaller(caller)), options),
    setReminderPolicy: grpcUnary((request, { caller }) => useCases.setReminderPolicy(requireTenantCaller(caller), request), options),
    noShowStats: grpcUnary((request, { caller }) => useCases.noShowStats(requireTenantCaller(caller), request), options),
    listSites: grpcUnary((_request, { caller }) => useCases.listSites(requireTenantCaller(caller)), options),
    listClinics: grpcUnary((request, { caller }) => useCases.listClinics(requireTenantCaller(caller), request), options),
    listClinicians: grpcUnary((request, { caller }) => useCases.listClinicians(requireTenantCaller(caller), request), options),
    listAppointmentTypes: grpcUnary((_request, { caller }) => useCases.listAppointmentTypes(requireTenantCaller(caller)), options),
  };
}
