-- scheduling's own tables. The patient's WhatsApp number (and the name reminders greet them with)
-- is stored only sealed (libs/crypto envelope encryption, a serialized careline.common.v1.Sealed,
-- context naming the row and field); lookups use the keyed hash wa_id_hash. Every table with
-- tenant_id has forced row-level security. Timestamps come from the application's clock, never
-- from now(), so the injectable clock governs reminders and no-shows.

-- The exclusion constraint that forbids double booking needs GiST equality on uuid: btree_gist.
-- It is a trusted extension, but creating one still needs CREATE on the database, which a service
-- role does not have: the launcher, the test harness or a deploy job creates it as an admin
-- (apps/scheduling/README.md). A role that may create it (a database owner) gets it created here.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'btree_gist') THEN
    BEGIN
      CREATE EXTENSION btree_gist;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE EXCEPTION 'scheduling needs the btree_gist extension in this database: run CREATE EXTENSION btree_gist as an administrator (see apps/scheduling/README.md)';
    END;
  END IF;
END
$$;

CREATE TABLE sites (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  -- IANA zone (checked by the service: the database does not know the list)
  time_zone text NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE clinics (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  site_id uuid NOT NULL,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id)
);

CREATE TABLE clinicians (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  clinic_id uuid NOT NULL,
  -- staff data, shown to patients in reminders; never in events or logs
  display_name text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 200),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, clinic_id) REFERENCES clinics (tenant_id, id)
);

CREATE TABLE appointment_types (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  mode text NOT NULL CHECK (mode IN ('in_person', 'video')),
  duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 480),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

-- Weekly hours in the site's local time (ISO weekday 1 = Monday).
CREATE TABLE working_hours (
  tenant_id uuid NOT NULL,
  clinician_id uuid NOT NULL,
  weekday smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  start_time time NOT NULL,
  end_time time NOT NULL CHECK (end_time > start_time),
  FOREIGN KEY (tenant_id, clinician_id) REFERENCES clinicians (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX working_hours_by_clinician ON working_hours (tenant_id, clinician_id);

-- One local date that differs from the week: a day off (no times) or other hours.
CREATE TABLE working_exceptions (
  tenant_id uuid NOT NULL,
  clinician_id uuid NOT NULL,
  day date NOT NULL,
  start_time time,
  end_time time,
  CHECK ((start_time IS NULL) = (end_time IS NULL)),
  CHECK (end_time IS NULL OR end_time > start_time),
  FOREIGN KEY (tenant_id, clinician_id) REFERENCES clinicians (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX working_exceptions_by_clinician ON working_exceptions (tenant_id, clinician_id, day);

CREATE TABLE appointments (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  clinic_id uuid NOT NULL,
  clinician_id uuid NOT NULL,
  appointment_type_id uuid NOT NULL,
  mode text NOT NULL CHECK (mode IN ('in_person', 'video')),
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL CHECK (ends_at > starts_at),
  state text NOT NULL CHECK (state IN ('booked', 'confirmed', 'rescheduled', 'cancelled_by_patient', 'cancelled_by_staff', 'attended', 'no_show')),
  patient_id uuid,
  wa_id_hash text NOT NULL,
  wa_id_sealed bytea NOT NULL,
  display_name_sealed bytea,
  language text NOT NULL,
  phone_number_id text NOT NULL DEFAULT '',
  external_id text,
  idempotency_key text,
  confirmed_at timestamptz,
  -- when it was last moved: a reply to a reminder (or answer) made before this is stale
  moved_at timestamptz,
  no_show_automatic boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, external_id),
  UNIQUE (tenant_id, idempotency_key),
  FOREIGN KEY (tenant_id, clinician_id) REFERENCES clinicians (tenant_id, id),
  FOREIGN KEY (tenant_id, clinic_id) REFERENCES clinics (tenant_id, id),
  FOREIGN KEY (tenant_id, appointment_type_id) REFERENCES appointment_types (tenant_id, id),
  -- No double booking, whatever the concurrency: two active appointments of one clinician never
  -- overlap. Half-open ranges, so back-to-back appointments are fine.
  CONSTRAINT appointments_no_double_booking EXCLUDE USING gist (
    tenant_id WITH =,
    clinician_id WITH =,
    tstzrange(starts_at, ends_at, '[)') WITH &&
  ) WHERE (state IN ('booked', 'confirmed', 'rescheduled'))
);
CREATE INDEX appointments_by_clinic ON appointments (tenant_id, clinic_id, starts_at);
CREATE INDEX appointments_by_clinician ON appointments (tenant_id, clinician_id, starts_at);

-- The tenant's reminder policy (ReminderPolicy of scheduling.proto as JSON, checked by the service).
CREATE TABLE reminder_policies (
  tenant_id uuid PRIMARY KEY,
  policy jsonb NOT NULL,
  updated_at timestamptz NOT NULL
);

-- One row per appointment per policy stage. pending → sent (messaging queued it) | failed; or
-- cancelled (the appointment was cancelled or moved before it went out) / skipped (never due: late
-- booking, quiet hours past the start). Between the clock firing and messaging accepting it, a
-- pending reminder has a send request.
CREATE TABLE reminders (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  appointment_id uuid NOT NULL,
  stage text NOT NULL,
  due_at timestamptz NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'cancelled', 'skipped')),
  sent_at timestamptz,
  message_id uuid,
  conversation_id uuid,
  error_code text,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, appointment_id) REFERENCES appointments (tenant_id, id)
);
CREATE INDEX reminders_by_appointment ON reminders (tenant_id, appointment_id);

-- The reminder clock: one row per pending timer (a reminder stage, or the no-show check after an
-- appointment), deleted when it fires or, in the same transaction, when its appointment is
-- cancelled, moved or marked: a clock row exists only for a reminder that must still go out.
-- Deliberately WITHOUT a tenant_id column and without row-level security (libs/db README, "Tenant
-- isolation"): the dispatcher turns due rows of all tenants into send requests in one indexed,
-- set-based statement, and sets a row's tenant only for work on the tenant's tables (no-show
-- checks). It holds ids and times only, never patient data.
CREATE TABLE clock (
  id uuid PRIMARY KEY,
  tenant uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('reminder', 'no_show')),
  appointment_id uuid NOT NULL,
  due_at timestamptz NOT NULL
);
-- Only pending timers are stored, so this is the "(due_at) WHERE pending" index: a tick costs the
-- rows that are due, not the rows stored.
CREATE INDEX clock_due ON clock (due_at);
CREATE INDEX clock_by_appointment ON clock (tenant, appointment_id);

-- Messages to hand to messaging (SendTemplate / SendInteractive), written in the transaction that
-- decided them (the clock's dispatch, a reply's handling) and deleted once messaging accepted them.
-- Cross-tenant like the clock (no tenant_id, no RLS, ids only); `id` is the reminder's or the
-- reply's id and doubles as messaging's idempotency key, so a retry never sends twice.
CREATE TABLE send_requests (
  id uuid PRIMARY KEY,
  tenant uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('reminder', 'reply')),
  appointment_id uuid NOT NULL,
  -- reminders: when it was due (created_at − due_at is the clock's dispatch lag)
  due_at timestamptz,
  next_attempt_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  created_at timestamptz NOT NULL
);
CREATE INDEX send_requests_due ON send_requests (next_attempt_at);
CREATE INDEX send_requests_by_appointment ON send_requests (tenant, appointment_id);

-- What scheduling answers a patient's reply with (confirmation, cancellation, slot offer, a stale
-- reminder's answer), sent through send_requests.
CREATE TABLE replies (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  appointment_id uuid NOT NULL,
  reminder_id uuid,
  kind text NOT NULL CHECK (kind IN ('confirmed', 'cancelled', 'rescheduled', 'slot_offer', 'no_slots', 'stale_cancelled', 'stale_moved', 'slot_taken')),
  conversation_id uuid NOT NULL,
  offer_id uuid,
  -- messaging's idempotency key when it accepted the message
  message_id uuid,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

-- Slots offered to a patient who asked to reschedule; the list rows carry `slot:<id>:<n>`.
CREATE TABLE slot_offers (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  appointment_id uuid NOT NULL,
  -- [{"clinicianId": "...", "startsAt": "..."}]
  slots jsonb NOT NULL,
  conversation_id uuid NOT NULL,
  created_at timestamptz NOT NULL,
  used_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);

ALTER TABLE sites ENABLE ROW LEVEL SECURITY;
ALTER TABLE sites FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sites USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE clinics ENABLE ROW LEVEL SECURITY;
ALTER TABLE clinics FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clinics USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE clinicians ENABLE ROW LEVEL SECURITY;
ALTER TABLE clinicians FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clinicians USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE appointment_types ENABLE ROW LEVEL SECURITY;
ALTER TABLE appointment_types FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON appointment_types USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE working_hours ENABLE ROW LEVEL SECURITY;
ALTER TABLE working_hours FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON working_hours USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE working_exceptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE working_exceptions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON working_exceptions USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE appointments ENABLE ROW LEVEL SECURITY;
ALTER TABLE appointments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON appointments USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE reminder_policies ENABLE ROW LEVEL SECURITY;
ALTER TABLE reminder_policies FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON reminder_policies USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE reminders ENABLE ROW LEVEL SECURITY;
ALTER TABLE reminders FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON reminders USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE replies ENABLE ROW LEVEL SECURITY;
ALTER TABLE replies FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON replies USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE slot_offers ENABLE ROW LEVEL SECURITY;
ALTER TABLE slot_offers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON slot_offers USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
