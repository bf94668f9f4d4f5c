-- The audit chain. One chain per tenant: entries numbered 1, 2, 3… with no gaps, each hashed over
-- the previous hash and the canonical form of the entry (libs/audit-chain). Entries and
-- checkpoints are append-only twice over: the service role gives up UPDATE, DELETE and TRUNCATE
-- on them below, and a trigger refuses those statements for anybody (a superuser must disable it
-- first, which the verifier then catches as a broken chain).
--
-- Ids and codes only, never patient data in clear (the AuditEventV1 contract forbids it).

CREATE TABLE entries (
  tenant_id uuid NOT NULL,
  seq bigint NOT NULL CHECK (seq >= 1),
  event_id text NOT NULL UNIQUE,
  source text NOT NULL,
  action text NOT NULL,
  actor_type text NOT NULL,
  actor_id text NOT NULL,
  patient_id text NOT NULL,
  patient_wa_id_hash text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  outcome text NOT NULL,
  occurred_at timestamptz NOT NULL,
  detail jsonb NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  -- When audit stored it; not hashed (the chain attests the event, the checkpoint the time).
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX entries_patient ON entries (tenant_id, patient_id, seq) WHERE patient_id <> '';
CREATE INDEX entries_patient_hash ON entries (tenant_id, patient_wa_id_hash, seq) WHERE patient_wa_id_hash <> '';
CREATE INDEX entries_actor ON entries (tenant_id, actor_id, seq);
CREATE INDEX entries_action ON entries (tenant_id, action, seq);
CREATE INDEX entries_occurred ON entries (tenant_id, occurred_at);
ALTER TABLE entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE entries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON entries
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

-- The head of each tenant's chain: locked FOR UPDATE by every append, so concurrent consumers
-- (several instances, a rebalance) take turns per tenant and never hand out a seq twice. Mutable
-- by design; the verifier never trusts it, only the entries.
CREATE TABLE chain_heads (
  tenant_id uuid PRIMARY KEY,
  seq bigint NOT NULL,
  hash text NOT NULL,
  checkpoint_seq bigint NOT NULL DEFAULT 0
);
ALTER TABLE chain_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE chain_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON chain_heads
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

-- Tenants that have a chain. The periodic checkpoint job must enumerate them without a tenant set,
-- which row-level security forbids on the tables above; this list holds nothing but the ids.
CREATE TABLE chain_tenants (
  tenant uuid PRIMARY KEY,
  first_seen_at timestamptz NOT NULL DEFAULT now()
);

-- Signed checkpoints: {tenant, seq, hash, signed_at, key_id} signed with Ed25519.
CREATE TABLE checkpoints (
  tenant_id uuid NOT NULL,
  seq bigint NOT NULL,
  hash text NOT NULL,
  signed_at timestamptz NOT NULL,
  key_id text NOT NULL,
  signature text NOT NULL,
  PRIMARY KEY (tenant_id, seq)
);
ALTER TABLE checkpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE checkpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON checkpoints
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit.% is append-only (% refused)', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON checkpoints
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The owner (the service role running this migration) gives up changing history. Owners can grant
-- themselves privileges back, so this guards against the service's own code and a leaked
-- connection string, while the trigger guards against everything short of a superuser.
REVOKE UPDATE, DELETE, TRUNCATE ON entries FROM CURRENT_USER;
REVOKE UPDATE, DELETE, TRUNCATE ON checkpoints FROM CURRENT_USER;
