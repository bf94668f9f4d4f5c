-- Booking in chat (issue 6): a patient who writes "I need an appointment" is walked through
-- interactive messages (type and clinic → slot → confirm), with "Talk to the team" on every step.

-- The flow's state, one row per patient (tenant, wa_id_hash): a new request replaces the old flow
-- (new id), so taps on an earlier flow's lists are recognised as stale. Ids, choices and times
-- only; the patient's number is not kept here (the confirming tap's event carries it, sealed).
CREATE TABLE chat_bookings (
  tenant_id uuid NOT NULL,
  wa_id_hash text NOT NULL,
  id uuid NOT NULL,
  phone_number_id text NOT NULL,
  -- the messaging conversation the flow's messages go to (the patient just wrote: window open)
  conversation_id uuid NOT NULL,
  language text NOT NULL,
  step text NOT NULL CHECK (step IN ('type', 'slot', 'confirm', 'booked', 'staff')),
  -- {"options": [{"typeId","clinicId"}], "typeId", "clinicId", "slots": [{"clinicianId","startsAt"}], "slot": n, "appointmentId"}
  choices jsonb NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, wa_id_hash),
  UNIQUE (tenant_id, id)
);

-- The flow's outgoing messages, rendered when decided (clinic, type and clinician names and
-- times: no patient data) and handed to messaging through send_requests (kind 'chat').
CREATE TABLE chat_messages (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  booking_id uuid NOT NULL,
  conversation_id uuid NOT NULL,
  body text NOT NULL,
  -- [{"id","title","description"}]
  options jsonb NOT NULL,
  list_button text NOT NULL,
  message_id uuid,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

-- Per-tenant words that start the flow ({"en": ["book", …], "es": […]}); absent: the defaults in
-- src/domain/booking-chat.ts.
CREATE TABLE booking_chat_settings (
  tenant_id uuid PRIMARY KEY,
  keywords jsonb NOT NULL,
  updated_at timestamptz NOT NULL
);

-- a chat message's send request names the flow (in appointment_id: there is no appointment yet)
ALTER TABLE send_requests DROP CONSTRAINT send_requests_kind_check;
ALTER TABLE send_requests ADD CONSTRAINT send_requests_kind_check CHECK (kind IN ('reminder', 'reply', 'chat'));

ALTER TABLE chat_bookings ENABLE ROW LEVEL SECURITY;
ALTER TABLE chat_bookings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON chat_bookings USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE chat_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE chat_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON chat_messages USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE booking_chat_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE booking_chat_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON booking_chat_settings USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
