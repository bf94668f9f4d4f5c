-- The outcome of every send command the gateway concluded, per (tenant, idempotency key): the
-- contract promises at most one send per idempotency key and the first outcome reported again for
-- a repeated request. Written in the same transaction as the result event (outbox) and the
-- consumer's processed-event mark.
--
-- Shaped for the send ledger of a later issue: that one adds a `pending` state committed BEFORE the
-- Graph call, so that a crash between Meta's acceptance and this commit is detected on redelivery
-- instead of sending again.
CREATE TABLE outbound_outcomes (
  tenant_id uuid NOT NULL,
  idempotency_key text NOT NULL,
  message_id text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('accepted', 'failed')),
  -- Meta's id of the sent message (accepted only); not patient data.
  wamid text,
  -- The OutboundResultV1 as first reported (protobuf), re-emitted for repeated requests. It holds
  -- ids, codes and Meta's masked error text only: no sealed or clear patient content.
  result bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, idempotency_key)
);
CREATE INDEX outbound_outcomes_created_at ON outbound_outcomes (created_at);

ALTER TABLE outbound_outcomes ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbound_outcomes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON outbound_outcomes
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
