-- Ingest's memory of what it has already turned into events. Meta retries a webhook for days and
-- sends it to every subscribed app, and the gateway may publish the same body twice, so the same
-- message or status arrives under different ce_ids: the consumer's processed_events cannot catch
-- those, these tables do. Rows are written in the same transaction as the consumer's processed
-- mark and the outbox event, so "seen" and "emitted" commit together.
--
-- Only Meta's and Careline's ids are stored here, never content or phone numbers.

-- One row per inbound message (Meta's wamid) per tenant; message_id is the Careline id given to
-- it on first sight.
CREATE TABLE inbound_messages (
  tenant_id uuid NOT NULL,
  wamid text NOT NULL,
  message_id uuid NOT NULL,
  phone_number_id text NOT NULL,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, wamid)
);
ALTER TABLE inbound_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE inbound_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON inbound_messages
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

-- One row per (wamid, status) per tenant: Meta reports each status of an outbound message at
-- least once, sometimes more often, and not in order.
CREATE TABLE status_updates (
  tenant_id uuid NOT NULL,
  wamid text NOT NULL,
  status text NOT NULL CHECK (status IN ('sent', 'delivered', 'read', 'failed')),
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, wamid, status)
);
ALTER TABLE status_updates ENABLE ROW LEVEL SECURITY;
ALTER TABLE status_updates FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON status_updates
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

