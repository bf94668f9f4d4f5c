-- Restricted conversations and break-glass grants (HIPAA 164.312(a)(2)(ii) emergency access).
-- A restricted conversation (a sensitive patient) is readable only under a grant: one member of
-- staff, one conversation, a reason code, a justification (sealed: staff may write patient facts
-- in it), and an end. Grants are never updated or deleted by the service; expiry is a time check.
ALTER TABLE conversations ADD COLUMN restricted boolean NOT NULL DEFAULT false;

CREATE TABLE break_glass_grants (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  conversation_id uuid NOT NULL,
  -- the caller's actor id (`user:<sub>`)
  actor text NOT NULL,
  reason text NOT NULL CHECK (reason IN ('emergency_treatment', 'patient_request', 'clinical_handover', 'other')),
  justification_sealed bytea NOT NULL,
  granted_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL CHECK (expires_at > granted_at),
  FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id)
);
CREATE INDEX break_glass_grants_by_actor ON break_glass_grants (tenant_id, actor, conversation_id, expires_at DESC);

ALTER TABLE break_glass_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE break_glass_grants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON break_glass_grants
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
