// The appointments calendar: a day (one column per clinician) or a week (one column per day) of a
// clinic or clinician, in the site's time zone; book (free times → a slot → the patient, filled
// in from the open conversation), reschedule (the clinician's free times), cancel, attendance.
// Clinics, clinicians and types are picked by name from the api's lists (model/calendar-directory);
// the zone is the site's of the clinic or clinician shown.
// Appointments are not on the live stream, so the view re-reads the api every 15 seconds (and
// after every action): a patient's reschedule tap on WhatsApp shows up by the next refresh.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { type ApiClient, ApiError } from '../api';
import {
  type CalendarView,
  appointmentActions,
  calendarRange,
  layoutCalendar,
  stepDate,
} from '../model/calendar';
import { type Directory, calendarZone, cliniciansOf, nameOf } from '../model/calendar-directory';
import { isTimeZone, localDate, localTime, startOfDay } from '../model/zoned-time';
import type { Appointment, Me, Slot } from '../schemas';
import { t } from '../messages';
import { errorText } from './errors';
import type { BookingPrefill } from './PatientPanel';
import { useNow } from './useNow';

const REFRESH_MS = 15_000;
const DAY_MS = 86_400_000;
const newKey = (): string => crypto.randomUUID();

interface Props {
  api: ApiClient;
  me: Me;
  /** Shown now: hidden, it keeps its state but does not poll. */
  active: boolean;
  /** The calendar set-up from the api (names, sites' zones). */
  directory: Directory;
  /** The zone while no site is known (none set up, or the lists not loaded yet). */
  fallbackZone: string;
  prefill: BookingPrefill | null;
}

/** A site's zone as stored, else UTC (the api validates zones; this guards the formatting). */
const safeZone = (zone: string): string => (isTimeZone(zone) ? zone : 'UTC');

export function AppointmentsView({ api, me, active, directory, fallbackZone, prefill }: Props) {
  const can = (permission: string) => me.permissions.includes(permission);
  const [clinicId, setClinicId] = useState('');
  const [clinicianId, setClinicianId] = useState('');
  const timeZone = safeZone(calendarZone(directory, { clinicId, clinicianId }, fallbackZone));
  const [view, setView] = useState<CalendarView>('day');
  const [date, setDate] = useState(() => localDate(Date.now(), timeZone));
  const [showCancelled, setShowCancelled] = useState(true);
  const [appointments, setAppointments] = useState<Appointment[] | null>(null);
  const [limitReached, setLimitReached] = useState(false);
  const [refreshedAt, setRefreshedAt] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const now = useNow(REFRESH_MS);

  const range = calendarRange(view, date, timeZone);
  const load = useCallback(async () => {
    try {
      const list = await api.appointments({
        from: range.from,
        to: range.to,
        ...(clinicId === '' ? {} : { clinicId }),
        ...(clinicianId === '' ? {} : { clinicianId }),
      });
      setAppointments(list.items);
      setLimitReached(list.limitReached);
      setRefreshedAt(Date.now());
      setError(null);
    } catch (caught) {
      setError(errorText(caught));
    }
  }, [api, range.from, range.to, clinicId, clinicianId]);

  // first load, a changed view or filter, coming back into view, and every REFRESH_MS (`now` ticks)
  useEffect(() => {
    if (active) void load();
  }, [load, now, active]);

  const names = {
    clinician: (id: string) => nameOf(directory, 'clinicians', id),
    clinic: (id: string) => nameOf(directory, 'clinics', id),
  };
  const columns =
    appointments === null ? [] : layoutCalendar(appointments, range, timeZone, names, { showCancelled });

  return (
    <main class="appointments" id="appointments" aria-labelledby="appointments-title" hidden={!active}>
      <div class="calendar-area">
        <header class="calendar-head">
          <h2 id="appointments-title">{t.calendar.title}</h2>
          <div class="toolbar" role="group" aria-label={t.calendar.view}>
            {(['day', 'week'] as const).map((v) => (
              <button
                key={v}
                type="button"
                class="toggle"
                aria-pressed={view === v}
                onClick={() => setView(v)}
              >
                {v === 'day' ? t.calendar.day : t.calendar.week}
              </button>
            ))}
            <button type="button" class="secondary" onClick={() => setDate(stepDate(view, date, -1))}>
              <span aria-hidden="true">‹</span>
              <span class="visually-hidden">{t.calendar.previous(view)}</span>
            </button>
            <button type="button" class="secondary" onClick={() => setDate(localDate(Date.now(), timeZone))}>
              {t.calendar.today}
            </button>
            <button type="button" class="secondary" onClick={() => setDate(stepDate(view, date, 1))}>
              <span aria-hidden="true">›</span>
              <span class="visually-hidden">{t.calendar.next(view)}</span>
            </button>
            <label>
              {t.calendar.date}
              <input
                type="date"
                name="calendar-date"
                value={date}
                onChange={(e) => {
                  if (e.currentTarget.value !== '') setDate(e.currentTarget.value);
                }}
              />
            </label>
            <ClinicAndClinicianPicker
              directory={directory}
              namePrefix="calendar"
              anyClinicLabel={t.calendar.anyClinic}
              anyClinicianLabel={t.calendar.anyClinician}
              clinicId={clinicId}
              clinicianId={clinicianId}
              onClinic={setClinicId}
              onClinician={setClinicianId}
            />
            <label class="inline">
              <input
                type="checkbox"
                name="show-cancelled"
                checked={showCancelled}
                onChange={(e) => setShowCancelled(e.currentTarget.checked)}
              />
              {t.calendar.showCancelled}
            </label>
            <button type="button" class="secondary" onClick={() => void load()}>
              {t.calendar.refresh}
            </button>
          </div>
          <p class="hint" data-testid="calendar-zone">
            {t.calendar.zone(timeZone)}
          </p>
          <p class="hint" role="status" data-testid="calendar-refreshed">
            {refreshedAt === null
              ? t.calendar.loading
              : t.calendar.refreshedAt(localTime(refreshedAt, timeZone))}
          </p>
        </header>
        {error !== null && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {limitReached && <p class="warning">{t.calendar.limitReached}</p>}
        {appointments !== null && columns.every((c) => c.entries.length === 0) && view === 'day' ? (
          <p class="empty-calendar">{t.calendar.empty}</p>
        ) : (
          <div class={`calendar calendar-${view}`} data-testid="calendar" data-view={view}>
            {columns.map((column) => (
              <section key={column.key} class="column" aria-label={t.calendar.column(column.label)}>
                <h3 title={column.key}>{column.label}</h3>
                <ol>
                  {column.entries.map((entry) => (
                    <AppointmentCard
                      key={entry.appointment.id}
                      api={api}
                      appointment={entry.appointment}
                      when={t.calendar.when(entry.start, entry.end)}
                      subtitle={view === 'week' ? names.clinician(entry.appointment.clinicianId) : null}
                      canWrite={can('appointments:write')}
                      timeZone={timeZone}
                      onChanged={() => void load()}
                    />
                  ))}
                </ol>
              </section>
            ))}
          </div>
        )}
      </div>
      <div class="calendar-side">
        {can('appointments:write') && (
          <BookingForm
            api={api}
            directory={directory}
            fallbackZone={fallbackZone}
            prefill={prefill}
            defaultClinicId={clinicId}
            onBooked={(appointment) => {
              setDate(localDate(Date.parse(appointment.startsAt), timeZone));
              void load();
            }}
          />
        )}
      </div>
    </main>
  );
}

function AppointmentCard({
  api,
  appointment,
  when,
  subtitle,
  canWrite,
  timeZone,
  onChanged,
}: {
  api: ApiClient;
  appointment: Appointment;
  when: string;
  subtitle: string | null;
  canWrite: boolean;
  timeZone: string;
  onChanged: () => void;
}) {
  const now = useNow(30_000);
  const actions = appointmentActions(appointment, now);
  const [slots, setSlots] = useState<Slot[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const patient = appointment.patient.displayName ?? `+${appointment.patient.waId}`;

  const act = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
      setSlots(null);
      onChanged();
    } catch (caught) {
      setError(
        errorText(caught, { slot_taken: t.booking.slotTaken, outside_working_hours: t.booking.outsideHours }),
      );
    }
  };

  const findSlots = async () => {
    setError(null);
    try {
      const from = Date.now();
      setSlots(
        await api.availability({
          appointmentTypeId: appointment.appointmentTypeId,
          clinicianId: appointment.clinicianId,
          from: new Date(from).toISOString(),
          to: new Date(from + 14 * DAY_MS).toISOString(),
          limit: 12,
        }),
      );
    } catch (caught) {
      setError(errorText(caught));
    }
  };

  return (
    <li
      class={`appt appt-${appointment.status}`}
      data-appointment-id={appointment.id}
      data-status={appointment.status}
    >
      <p>
        <time data-testid="appt-time" dateTime={appointment.startsAt}>
          {when}
        </time>{' '}
        <span class="appt-patient">{patient}</span>
      </p>
      {subtitle !== null && <p class="hint">{subtitle}</p>}
      <p class="appt-status" data-testid="appt-status">
        {t.calendar.status[appointment.status]}
        {appointment.mode === 'video' && ` · ${t.calendar.video}`}
      </p>
      {canWrite && (actions.reschedule || actions.cancel || actions.attendance) && (
        <div class="actions">
          {actions.reschedule && (
            <button type="button" class="secondary" onClick={() => void findSlots()}>
              {t.calendar.reschedule}
            </button>
          )}
          {actions.cancel && (
            <button
              type="button"
              class="danger"
              onClick={() => {
                if (window.confirm(t.calendar.confirmCancel)) void act(() => api.cancel(appointment.id));
              }}
            >
              {t.calendar.cancel}
            </button>
          )}
          {actions.attendance && (
            <>
              <button
                type="button"
                onClick={() => void act(() => api.attendance(appointment.id, 'attended'))}
              >
                {t.calendar.attended}
              </button>
              <button
                type="button"
                class="secondary"
                onClick={() => void act(() => api.attendance(appointment.id, 'no_show'))}
              >
                {t.calendar.noShow}
              </button>
            </>
          )}
        </div>
      )}
      {slots !== null && (
        <fieldset class="slots">
          <legend>{t.calendar.pickNewTime}</legend>
          {slots.length === 0 && <p class="hint">{t.calendar.noSlots}</p>}
          {slots.map((slot) => (
            <button
              key={slot.startsAt}
              type="button"
              class="secondary"
              onClick={() => void act(() => api.reschedule(appointment.id, slot.startsAt))}
            >
              {localDate(Date.parse(slot.startsAt), timeZone)}{' '}
              {localTime(Date.parse(slot.startsAt), timeZone)}
            </button>
          ))}
          <button type="button" class="link" onClick={() => setSlots(null)}>
            {t.calendar.closeReschedule}
          </button>
        </fieldset>
      )}
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

/**
 * The clinic select and the clinician select narrowed to it, as the calendar and the booking form
 * both use them: choosing another clinic drops a clinician who does not work there.
 */
function ClinicAndClinicianPicker({
  directory,
  namePrefix,
  anyClinicLabel,
  anyClinicianLabel,
  clinicId,
  clinicianId,
  onClinic,
  onClinician,
}: {
  directory: Directory;
  namePrefix: string;
  anyClinicLabel: string;
  anyClinicianLabel: string;
  clinicId: string;
  clinicianId: string;
  onClinic: (id: string) => void;
  onClinician: (id: string) => void;
}) {
  return (
    <>
      <label>
        {t.calendar.clinic}
        <select
          name={`${namePrefix}-clinic`}
          value={clinicId}
          onChange={(e) => {
            const next = e.currentTarget.value;
            onClinic(next);
            // a clinician of another clinic would show nothing: back to all of this one's
            if (!cliniciansOf(directory, next).some((c) => c.id === clinicianId)) onClinician('');
          }}
        >
          <option value="">{anyClinicLabel}</option>
          {directory.clinics.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t.calendar.clinician}
        <select name={`${namePrefix}-clinician`} value={clinicianId} onChange={(e) => onClinician(e.currentTarget.value)}>
          <option value="">{anyClinicianLabel}</option>
          {cliniciansOf(directory, clinicId).map((c) => (
            <option key={c.id} value={c.id}>
              {c.displayName}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}

function BookingForm({
  api,
  directory,
  fallbackZone,
  prefill,
  defaultClinicId,
  onBooked,
}: {
  api: ApiClient;
  directory: Directory;
  fallbackZone: string;
  prefill: BookingPrefill | null;
  defaultClinicId: string;
  onBooked: (appointment: Appointment) => void;
}) {
  const [typeId, setTypeId] = useState('');
  const [clinicId, setClinicId] = useState(defaultClinicId);
  const [clinicianId, setClinicianId] = useState('');
  // the free times are shown in the zone of the site they are at
  const timeZone = safeZone(calendarZone(directory, { clinicId, clinicianId }, fallbackZone));
  const [from, setFrom] = useState(() => localDate(Date.now(), timeZone));
  const [slots, setSlots] = useState<Slot[] | null>(null);
  const [slot, setSlot] = useState<Slot | null>(null);
  const [waId, setWaId] = useState(prefill?.waId ?? '');
  const [name, setName] = useState(prefill?.displayName ?? '');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // one booking attempt, one key: a retried click never books twice
  const [key, setKey] = useState(newKey);

  useEffect(() => {
    if (prefill === null) return;
    setWaId(prefill.waId ?? '');
    setName(prefill.displayName ?? '');
  }, [prefill]);

  const search = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setMessage(null);
    setSlot(null);
    try {
      // from the chosen day's start at the site (never before now: the api offers no past slots)
      const start = Math.max(Date.now(), startOfDay(from, timeZone));
      setSlots(
        await api.availability({
          appointmentTypeId: typeId,
          ...(clinicianId !== '' ? { clinicianId } : { clinicId }),
          from: new Date(start).toISOString(),
          to: new Date(start + 7 * DAY_MS).toISOString(),
          limit: 30,
        }),
      );
    } catch (caught) {
      setError(errorText(caught));
    }
  };

  const validWaId = /^\d{8,15}$/.test(waId);
  const book = async (event: Event) => {
    event.preventDefault();
    if (slot === null || !validWaId) return;
    setBusy(true);
    setError(null);
    try {
      const booked = await api.book(
        {
          clinicianId: slot.clinicianId,
          appointmentTypeId: typeId,
          startsAt: slot.startsAt,
          patient: {
            waId,
            ...(name.trim() === '' ? {} : { displayName: name.trim() }),
            ...(prefill?.patientId ? { patientId: prefill.patientId } : {}),
          },
        },
        key,
      );
      const starts = Date.parse(booked.startsAt);
      setMessage(t.booking.booked(localDate(starts, timeZone), localTime(starts, timeZone)));
      setSlots(null);
      setSlot(null);
      setKey(newKey());
      onBooked(booked);
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === 'slot_taken') setKey(newKey());
      setError(
        errorText(caught, { slot_taken: t.booking.slotTaken, outside_working_hours: t.booking.outsideHours }),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="booking" aria-labelledby="booking-title">
      <h3 id="booking-title">{t.booking.title}</h3>
      <form onSubmit={(event) => void search(event)}>
        <label>
          {t.booking.type}
          <select
            name="booking-type"
            required
            value={typeId}
            onChange={(e) => setTypeId(e.currentTarget.value)}
          >
            <option value="">{t.booking.chooseType}</option>
            {directory.types.map((type) => (
              <option key={type.id} value={type.id}>
                {type.name}
              </option>
            ))}
          </select>
        </label>
        <ClinicAndClinicianPicker
          directory={directory}
          namePrefix="booking"
          anyClinicLabel={t.booking.chooseClinic}
          anyClinicianLabel={t.booking.anyClinician}
          clinicId={clinicId}
          clinicianId={clinicianId}
          onClinic={setClinicId}
          onClinician={setClinicianId}
        />
        <label>
          {t.booking.from}
          <input
            type="date"
            name="booking-from"
            value={from}
            onInput={(e) => setFrom(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={typeId === '' || (clinicId === '' && clinicianId === '')}>
          {t.booking.search}
        </button>
      </form>
      {slots !== null && (
        <form onSubmit={(event) => void book(event)}>
          <fieldset class="slots" data-testid="booking-slots">
            <legend>{t.booking.slots}</legend>
            {slots.length === 0 && <p class="hint">{t.booking.noSlots}</p>}
            {slots.map((s) => {
              const starts = Date.parse(s.startsAt);
              return (
                <label class="inline" key={`${s.clinicianId}-${s.startsAt}`}>
                  <input type="radio" name="booking-slot" checked={slot === s} onChange={() => setSlot(s)} />
                  {t.booking.slot(
                    localDate(starts, timeZone),
                    localTime(starts, timeZone),
                    nameOf(directory, 'clinicians', s.clinicianId),
                  )}
                </label>
              );
            })}
          </fieldset>
          <label>
            {t.booking.patientWaId}
            <input
              name="booking-wa-id"
              inputMode="numeric"
              required
              value={waId}
              aria-invalid={waId !== '' && !validWaId}
              onInput={(e) => setWaId(e.currentTarget.value.replace(/\D/g, ''))}
            />
          </label>
          {waId !== '' && !validWaId && <p class="field-problem">{t.booking.invalidWaId}</p>}
          {prefill?.waId && waId === prefill.waId && <p class="hint">{t.booking.fromConversation}</p>}
          <label>
            {t.booking.patientName}
            <input
              name="booking-name"
              maxLength={200}
              value={name}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </label>
          <button type="submit" disabled={busy || slot === null || !validWaId}>
            {t.booking.book}
          </button>
        </form>
      )}
      {message !== null && (
        <p class="notice" role="status" data-testid="booking-result">
          {message}
        </p>
      )}
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
