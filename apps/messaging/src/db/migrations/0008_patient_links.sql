-- Which patient a WhatsApp number belongs to: messaging's projection of records' events on
-- `record.events.v1` (records owns patients; messaging never reads its tables). Keyed hashes and
-- ids only, no patient data. A conversation's `patient_id` is derived from these two tables (see
-- src/db/patient-links.ts for the rule) and rewritten whenever they change for its hash.

-- The number registered on the patient in records (PatientCreated / PatientUpdated): one row per
-- patient; `wa_id_hash` null when the patient has no number. `occurred_at` (records' clock) keeps
-- an older event from undoing a newer one.
CREATE TABLE patient_numbers (
  tenant_id uuid NOT NULL,
  patient_id uuid NOT NULL,
  wa_id_hash text,
  occurred_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, patient_id)
);
CREATE INDEX patient_numbers_by_hash ON patient_numbers (tenant_id, wa_id_hash) WHERE wa_id_hash IS NOT NULL;

-- Contacts staff linked to a patient in records (ContactLinked): kept, as records keeps them.
CREATE TABLE patient_contact_links (
  tenant_id uuid NOT NULL,
  wa_id_hash text NOT NULL,
  patient_id uuid NOT NULL,
  linked_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, wa_id_hash, patient_id)
);

ALTER TABLE patient_numbers ENABLE ROW LEVEL SECURITY;
ALTER TABLE patient_numbers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON patient_numbers
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
ALTER TABLE patient_contact_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE patient_contact_links FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON patient_contact_links
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

-- ListConversations' patient filter
CREATE INDEX conversations_by_patient ON conversations (tenant_id, patient_id, last_message_at DESC, id DESC)
  WHERE patient_id IS NOT NULL;

-- the inbox announces a link change
ALTER TABLE inbox_events DROP CONSTRAINT inbox_events_kind_check;
ALTER TABLE inbox_events ADD CONSTRAINT inbox_events_kind_check
  CHECK (kind IN ('message_received', 'message_sent', 'message_status', 'conversation_assigned',
                  'conversation_state', 'note_added', 'conversation_read', 'conversation_linked'));
