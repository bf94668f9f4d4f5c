-- Retention and erasure (issue 7): crypto-shredding of a patient's messaging data.
--
-- patient_keys: one data key per patient (tenant + wa_id_hash), created on first use, stored
-- sealed under the tenant's key (libs/crypto envelope, context `messaging:patient_key:<id>`).
-- Every patient-specific column written from now on is sealed with a per-value data key wrapped
-- by THIS key (keyRef `messaging/patient/<id>` inside the serialized Sealed); values written
-- before carry the tenant key's keyRef (`local/v1`) and keep opening. Erasure deletes the row:
-- whatever ciphertext of the patient survives (a backup, a copied column) no longer opens.
-- A new key (a new id) is made if the patient writes again.
CREATE TABLE patient_keys (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  wa_id_hash text NOT NULL,
  key_sealed bytea NOT NULL,
  created_at timestamptz NOT NULL,
  UNIQUE (tenant_id, wa_id_hash)
);
ALTER TABLE patient_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE patient_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON patient_keys
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

-- The fact of each erasure: ids and counts, never content. The reason (staff words) is sealed
-- with the TENANT's key, so it outlives the patient's key. Looked up by any erased conversation
-- id, so erasing again answers the first erasure.
CREATE TABLE patient_erasures (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  wa_id_hash text NOT NULL,
  conversation_ids uuid[] NOT NULL,
  -- 'staff' (ErasePatient) or 'retention' (the retention job)
  trigger text NOT NULL CHECK (trigger IN ('staff', 'retention')),
  actor text NOT NULL,
  reason_sealed bytea,
  messages_erased integer NOT NULL,
  media_erased integer NOT NULL,
  notes_erased integer NOT NULL,
  inbox_events_erased integer NOT NULL,
  key_destroyed boolean NOT NULL,
  erased_at timestamptz NOT NULL
);
CREATE INDEX patient_erasures_by_conversation ON patient_erasures USING gin (conversation_ids);
ALTER TABLE patient_erasures ENABLE ROW LEVEL SECURITY;
ALTER TABLE patient_erasures FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON patient_erasures
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

-- Per-tenant retention of closed conversations (no row, or 0 days: keep forever).
CREATE TABLE retention_policies (
  tenant_id uuid PRIMARY KEY,
  closed_conversation_days integer NOT NULL CHECK (closed_conversation_days BETWEEN 0 AND 36500),
  updated_at timestamptz NOT NULL,
  updated_by text NOT NULL
);
ALTER TABLE retention_policies ENABLE ROW LEVEL SECURITY;
ALTER TABLE retention_policies FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON retention_policies
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

-- The retention job finds, across tenants, the ids of conversations closed before their tenant's
-- cut-off (ids only) before it erases each under its own tenant, as the media fetch job does: only
-- a READ ONLY transaction with the flag set qualifies, so it can never widen a write.
CREATE POLICY retention_scan ON retention_policies FOR SELECT
  USING (
    current_setting('app.retention_scan', true) = 'on'
    AND current_setting('transaction_read_only') = 'on'
  );
CREATE POLICY retention_scan ON conversations FOR SELECT
  USING (
    current_setting('app.retention_scan', true) = 'on'
    AND current_setting('transaction_read_only') = 'on'
  );
CREATE INDEX conversations_closed ON conversations (closed_at) WHERE status = 'closed';
