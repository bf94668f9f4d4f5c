-- The channel registry: the hospital WhatsApp numbers the gateway serves, registered through
-- ChannelService (api `POST /v1/admin/channels`, tools/admin) or bootstrapped from GATEWAY_CHANNELS.
--
-- Credentials are sealed per tenant with @careline/crypto (a serialized careline.common.v1.Sealed,
-- context `gateway:channel:<phone_number_id>:access_token` / `:app_secret`): a copy moved to
-- another row or tenant does not open, and the table never holds them in clear.
CREATE TABLE channels (
  -- Meta's phone_number_id: one number belongs to one tenant, globally.
  phone_number_id text PRIMARY KEY CHECK (phone_number_id ~ '^[0-9]{1,32}$'),
  tenant_id uuid NOT NULL,
  display_phone_number text NOT NULL,
  waba_id text NOT NULL CHECK (waba_id ~ '^[0-9]{1,32}$'),
  access_token bytea NOT NULL,
  app_secret bytea NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  credentials_updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX channels_tenant ON channels (tenant_id);

ALTER TABLE channels ENABLE ROW LEVEL SECURITY;
ALTER TABLE channels FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON channels
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

-- The one cross-tenant path, and why it exists: a webhook must be mapped to its tenant, and its
-- signature checked against the app secrets, BEFORE any tenant is known. The registry loader
-- (src/db/channels.ts, loadActiveChannels, and nothing else) reads every channel in a READ ONLY
-- transaction that sets `app.platform_directory` to 'on' for that transaction only. The policy is
-- SELECT-only and also demands the read-only transaction, so the flag can never widen a write;
-- every write stays under `tenant_isolation`.
CREATE POLICY platform_directory_read ON channels FOR SELECT
  USING (
    current_setting('app.platform_directory', true) = 'on'
    AND current_setting('transaction_read_only') = 'on'
  );

-- Account-level webhooks (template status and the like) carry a WABA id and no number, so a WABA
-- must belong to one tenant. The primary key enforces it across tenants (uniqueness is checked
-- against every row, whatever the policy shows); a tenant sees only its own claims.
CREATE TABLE channel_wabas (
  waba_id text PRIMARY KEY,
  tenant_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE channel_wabas ENABLE ROW LEVEL SECURITY;
ALTER TABLE channel_wabas FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON channel_wabas
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

-- Every gateway instance LISTENs on this channel and reloads its in-memory registry when told
-- (besides a short poll that covers a lost connection): a number registered on one instance works
-- on all within seconds. The payload is empty: the listener reloads everything it may see.
CREATE FUNCTION notify_channels_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gateway_channels_changed', '');
  RETURN NULL;
END
$$;
CREATE TRIGGER channels_changed AFTER INSERT OR UPDATE OR DELETE ON channels
  FOR EACH STATEMENT EXECUTE FUNCTION notify_channels_changed();
