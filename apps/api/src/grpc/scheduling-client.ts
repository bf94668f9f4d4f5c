// The api's door to scheduling's SchedulingService: the calendar set-up, availability, appointments,
// the reminder policy and no-show figures. Calls are made on behalf of an authenticated caller
// (tenant, actor, roles in metadata with the traceparent, never in a request field), each bounded
// by a deadline, failures turned into DomainErrors once (gateway-client's rules, service name
// `scheduling`, plus schedulingCallError below). scheduling re-checks `appointments:read` /
// `appointments:write` (`tenant:admin` for the policy), audits every read and change of an
// appointment, and answers another tenant's ids with NOT_FOUND. Responses carry the patient's
// number in clear: never log them.
import { type ClientUnaryCall, type ServiceError, credentials } from '@grpc/grpc-js';
import {
  type BookRequest,
  type BookResponse,
  type CancelRequest,
  type CancelResponse,
  type GetAppointmentRequest,
  type GetAppointmentResponse,
  type GetReminderPolicyResponse,
  type ImportAppointmentsRequest,
  type ImportAppointmentsResponse,
  type ListAppointmentTypesResponse,
  type ListClinicsRequest,
  type ListClinicsResponse,
  type ListCliniciansRequest,
  type ListCliniciansResponse,
  type ListSitesResponse,
  type ListAppointmentsRequest,
  type ListAppointmentsResponse,
  type MarkAttendanceRequest,
  type MarkAttendanceResponse,
  type NoShowStatsRequest,
  type NoShowStatsResponse,
  type RescheduleRequest,
  type RescheduleResponse,
  SchedulingServiceClient,
  type SearchAvailabilityRequest,
  type SearchAvailabilityResponse,
  type SetReminderPolicyRequest,
  type SetReminderPolicyResponse,
  type SetWorkingHoursRequest,
  type SetWorkingHoursResponse,
  type UpsertAppointmentTypeRequest,
  type UpsertAppointmentTypeResponse,
  type UpsertClinicRequest,
  type UpsertClinicResponse,
  type UpsertClinicianRequest,
  type UpsertClinicianResponse,
  type UpsertSiteRequest,
  type UpsertSiteResponse,
} from '@careline/contracts';
import { type Caller, DomainError, metadataForCaller } from '@careline/runtime';
import { upstreamCallError } from './gateway-client';

export interface SchedulingClient {
  getReminderPolicy(caller: Caller): Promise<GetReminderPolicyResponse>;
  setReminderPolicy(caller: Caller, request: SetReminderPolicyRequest): Promise<SetReminderPolicyResponse>;
  upsertSite(caller: Caller, request: UpsertSiteRequest): Promise<UpsertSiteResponse>;
  upsertClinic(caller: Caller, request: UpsertClinicRequest): Promise<UpsertClinicResponse>;
  upsertClinician(caller: Caller, request: UpsertClinicianRequest): Promise<UpsertClinicianResponse>;
  upsertAppointmentType(caller: Caller, request: UpsertAppointmentTypeRequest): Promise<UpsertAppointmentTypeResponse>;
  setWorkingHours(caller: Caller, request: SetWorkingHoursRequest): Promise<SetWorkingHoursResponse>;
  searchAvailability(caller: Caller, request: SearchAvailabilityRequest): Promise<SearchAvailabilityResponse>;
  book(caller: Caller, request: BookRequest): Promise<BookResponse>;
  reschedule(caller: Caller, request: RescheduleRequest): Promise<RescheduleResponse>;
  cancel(caller: Caller, request: CancelRequest): Promise<CancelResponse>;
  getAppointment(caller: Caller, request: GetAppointmentRequest): Promise<GetAppointmentResponse>;
  listAppointments(caller: Caller, request: ListAppointmentsRequest): Promise<ListAppointmentsResponse>;
  markAttendance(caller: Caller, request: MarkAttendanceRequest): Promise<MarkAttendanceResponse>;
  importAppointments(caller: Caller, request: ImportAppointmentsRequest): Promise<ImportAppointmentsResponse>;
  noShowStats(caller: Caller, request: NoShowStatsRequest): Promise<NoShowStatsResponse>;
  listSites(caller: Caller): Promise<ListSitesResponse>;
  listClinics(caller: Caller, request: ListClinicsRequest): Promise<ListClinicsResponse>;
  listClinicians(caller: Caller, request: ListCliniciansRequest): Promise<ListCliniciansResponse>;
  listAppointmentTypes(caller: Caller): Promise<ListAppointmentTypesResponse>;
  close(): void;
}

export interface SchedulingClientOptions {
  /** grpc-js target, e.g. `127.0.0.1:50052` or `dns:///scheduling:50052`. */
  target: string;
  /** Deadline of each call. */
  timeoutMs: number;
}

/**
 * A failed scheduling call as the api answers it: the gateway client's rules, and a time outside
 * the clinician's working hours is the request's fault (400 `outside_working_hours`: pick another
 * time), not a conflict with the appointment's state, which is what FAILED_PRECONDITION would
 * otherwise become (409). `slot_taken` stays a 409, `appointment_not_active` too.
 */
export function schedulingCallError(error: unknown): DomainError {
  const domain = upstreamCallError('scheduling', error);
  if (domain.code === 'outside_working_hours') {
    return new DomainError({
      code: domain.code,
      kind: 'invalid_argument',
      message: "The time is outside the clinician's working hours.",
      ...(domain.details === undefined ? {} : { details: domain.details }),
      cause: error,
    });
  }
  return domain;
}

type Callback<T> = (error: ServiceError | null, response: T) => void;

function invoke<T>(start: (callback: Callback<T>) => ClientUnaryCall): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    start((error, response) => (error ? reject(schedulingCallError(error)) : resolve(response)));
  });
}

export function createSchedulingClient(options: SchedulingClientOptions): SchedulingClient {
  const client = new SchedulingServiceClient(options.target, credentials.createInsecure(), {
    // A restarted scheduling should be reachable again within seconds, not grpc-js's 2 minutes.
    'grpc.initial_reconnect_backoff_ms': 500,
    'grpc.max_reconnect_backoff_ms': 5000,
  });
  const deadline = () => ({ deadline: new Date(Date.now() + options.timeoutMs) });
  const md = metadataForCaller;
  return {
    getReminderPolicy: (caller) => invoke((cb) => client.getReminderPolicy({}, md(caller), deadline(), cb)),
    setReminderPolicy: (caller, request) => invoke((cb) => client.setReminderPolicy(request, md(caller), deadline(), cb)),
    upsertSite: (caller, request) => invoke((cb) => client.upsertSite(request, md(caller), deadline(), cb)),
    upsertClinic: (caller, request) => invoke((cb) => client.upsertClinic(request, md(caller), deadline(), cb)),
    upsertClinician: (caller, request) => invoke((cb) => client.upsertClinician(request, md(caller), deadline(), cb)),
    upsertAppointmentType: (caller, request) => invoke((cb) => client.upsertAppointmentType(request, md(caller), deadline(), cb)),
    setWorkingHours: (caller, request) => invoke((cb) => client.setWorkingHours(request, md(caller), deadline(), cb)),
    searchAvailability: (caller, request) => invoke((cb) => client.searchAvailability(request, md(caller), deadline(), cb)),
    book: (caller, request) => invoke((cb) => client.book(request, md(caller), deadline(), cb)),
    reschedule: (caller, request) => invoke((cb) => client.reschedule(request, md(caller), deadline(), cb)),
    cancel: (caller, request) => invoke((cb) => client.cancel(request, md(caller), deadline(), cb)),
    getAppointment: (caller, request) => invoke((cb) => client.getAppointment(request, md(caller), deadline(), cb)),
    listAppointments: (caller, request) => invoke((cb) => client.listAppointments(request, md(caller), deadline(), cb)),
    markAttendance: (caller, request) => invoke((cb) => client.markAttendance(request, md(caller), deadline(), cb)),
    importAppointments: (caller, request) => invoke((cb) => client.importAppointments(request, md(caller), deadline(), cb)),
    noShowStats: (caller, request) => invoke((cb) => client.noShowStats(request, md(caller), deadline(), cb)),
    listSites: (caller) => invoke((cb) => client.listSites({}, md(caller), deadline(), cb)),
    listClinics: (caller, request) => invoke((cb) => client.listClinics(request, md(caller), deadline(), cb)),
    listClinicians: (caller, request) => invoke((cb) => client.listClinicians(request, md(caller), deadline(), cb)),
    listAppointmentTypes: (caller) => invoke((cb) => client.listAppointmentTypes({}, md(caller), deadline(), cb)),
    close: () => client.close(),
  };
}
