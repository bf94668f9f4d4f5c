// Rows → contract messages. Opening the sealed number happens here, for responses only.
import { type Appointment, type ReminderPolicy as ReminderPolicyMessage } from '@careline/contracts';
import { type AppointmentRow } from '../db/appointments';
import { type ReminderPolicy, videoLink } from '../domain/policy';
import { atRestContext } from '../domain/sealing';
import { modeToProto, stateToProto } from '../domain/states';
import { type UseCaseDeps } from './deps';

export async function appointmentView(deps: Pick<UseCaseDeps, 'atRest'>, row: AppointmentRow, policy: ReminderPolicy): Promise<Appointment> {
  const waId = await deps.atRest.openString(row.tenant_id, row.wa_id_sealed, atRestContext.appointmentWaId(row.id));
  const displayName =
    row.display_name_sealed === null
      ? ''
      : await deps.atRest.openString(row.tenant_id, row.display_name_sealed, atRestContext.appointmentDisplayName(row.id));
  return {
    id: row.id,
    clinicId: row.clinic_id,
    clinicianId: row.clinician_id,
    appointmentTypeId: row.appointment_type_id,
    mode: modeToProto(row.mode),
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    state: stateToProto(row.state),
    patient: {
      patientId: row.patient_id ?? '',
      waId,
      languageCode: row.language,
      displayName,
      phoneNumberId: row.phone_number_id,
    },
    patientWaIdHash: row.wa_id_hash,
    externalId: row.external_id ?? '',
    ...(row.confirmed_at === null ? {} : { confirmedAt: row.confirmed_at }),
    videoLink: row.mode === 'video' ? videoLink(policy, row.id) : '',
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function policyToProto(policy: ReminderPolicy): ReminderPolicyMessage {
  return {
    stages: policy.stages.map((stage) => ({ name: stage.name, minutesBefore: stage.minutesBefore, templates: { ...stage.templates } })),
    quietStart: policy.quietStart,
    quietEnd: policy.quietEnd,
    minLeadMinutes: policy.minLeadMinutes,
    noShowAfterMinutes: policy.noShowAfterMinutes,
    videoLinkTemplate: policy.videoLinkTemplate,
    defaultLanguage: policy.defaultLanguage,
  };
}
