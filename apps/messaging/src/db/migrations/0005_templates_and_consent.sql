-- Templates, consent and per-tenant messaging settings (issue 5).
-- Nothing here is patient data in clear: templates are the hospital's texts with placeholders,
-- consent rows name the patient only by the keyed hash of the wa_id.

-- The tenant's template registry, filled from Meta's `GET /{waba-id}/message_templates` through the
-- gateway (SyncTemplates). One row per (WABA, name, language); a template Meta stops listing keeps
-- its row with status 'deleted' (messages sent with it still name it).
CREATE TABLE templates (
  tenant_id uuid NOT NULL,
  waba_id text NOT NULL,
  name text NOT NULL,
  language text NOT NULL,
  meta_id text NOT NULL DEFAULT '',
  category text NOT NULL CHECK (category IN ('marketing', 'utility', 'authentication', 'unknown')),
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'paused', 'disabled', 'deleted', 'unknown')),
  -- Meta's components array as it came (HEADER, BODY, FOOTER, BUTTONS)
  components jsonb NOT NULL,
  parameter_format text NOT NULL DEFAULT '',
  synced_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, waba_id, name, language)
);
CREATE INDEX templates_by_name ON templates (tenant_id, name, language);
ALTER TABLE templates ENABLE ROW LEVEL SECURITY;
ALTER TABLE templates FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON templates
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

-- Per-tenant messaging settings. NULL keywords mean the built-in defaults (domain/consent.ts).
CREATE TABLE messaging_settings (
  tenant_id uuid PRIMARY KEY,
  -- the number a first message to a patient goes out from when the caller names none; set from
  -- the first channel the gateway lists at a sync unless an operator chose one
  default_phone_number_id text,
  -- the tenant's channels as the last sync saw them: [{"phone_number_id","waba_id"}]
  channels jsonb NOT NULL DEFAULT '[]',
  templates_synced_at timestamptz,
  -- {"stop": {"<language>": ["BAJA", …]}, "start": {…}}: the language picks the confirmation text
  keywords jsonb,
  updated_at timestamptz NOT NULL
);
ALTER TABLE messaging_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE messaging_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON messaging_settings
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

-- A patient's consent, per tenant (every number of the hospital), by the wa_id's keyed hash.
CREATE TABLE patient_consent (
  tenant_id uuid NOT NULL,
  wa_id_hash text NOT NULL,
  state text NOT NULL CHECK (state IN ('unspecified', 'opted_in', 'opted_out')),
  source text CHECK (source IN ('keyword', 'user_preferences', 'staff', 'api', 'import')),
  changed_at timestamptz,
  changed_by text,
  -- Meta's `user_preferences` marketing stop: MARKETING templates are refused while set
  marketing_stopped boolean NOT NULL DEFAULT false,
  -- a WhatsApp template language code (e.g. es, pt_BR)
  preferred_language text,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, wa_id_hash)
);
ALTER TABLE patient_consent ENABLE ROW LEVEL SECURITY;
ALTER TABLE patient_consent FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON patient_consent
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

-- Every consent change, never updated or deleted (the audit log has them too; this is what the
-- console shows).
CREATE TABLE consent_changes (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  wa_id_hash text NOT NULL,
  state text NOT NULL CHECK (state IN ('unspecified', 'opted_in', 'opted_out')),
  source text NOT NULL CHECK (source IN ('keyword', 'user_preferences', 'staff', 'api', 'import')),
  marketing_stopped boolean NOT NULL,
  changed_at timestamptz NOT NULL,
  changed_by text NOT NULL
);
CREATE INDEX consent_changes_by_patient ON consent_changes (tenant_id, wa_id_hash, changed_at DESC);
ALTER TABLE consent_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE consent_changes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON consent_changes
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

-- Idempotency per tenant of SendTemplate and SendInteractive (the caller may name a patient, not
-- a conversation, so the per-conversation key of messages is not enough): key → the message.
CREATE TABLE send_requests (
  tenant_id uuid NOT NULL,
  idempotency_key text NOT NULL,
  message_id uuid NOT NULL,
  conversation_id uuid NOT NULL,
  language text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, idempotency_key)
);
ALTER TABLE send_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE send_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON send_requests
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
