-- The send ledger: one row per (tenant, idempotency key) that the gateway started sending,
-- committed in its own short transaction BEFORE the first Graph call, and moved on right after
-- Meta's answer (again in its own transaction), before the consumer's transaction commits:
--   pending   the request may be on its way to Meta (or was, when a crash followed);
--   accepted  Meta accepted it: `wamid` is Meta's id ('' for mark-as-read, which creates no message);
--   failed    Meta (or the gateway) refused it: nothing was sent, sending again cannot duplicate.
-- A redelivered command whose row is `accepted` is reported from here without calling Meta; one
-- whose row is still `pending` was interrupted between the call and its answer being recorded
-- (README, "Send ledger").
CREATE TABLE send_ledger (
  tenant_id uuid NOT NULL,
  idempotency_key text NOT NULL,
  message_id text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'accepted', 'failed')),
  wamid text CHECK ((state = 'accepted') = (wamid IS NOT NULL)),
  -- Graph calls made under this key, over every delivery of the command.
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- Times a delivery found the row `pending` and sent again (the possible duplicates).
  resends integer NOT NULL DEFAULT 0 CHECK (resends >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, idempotency_key)
);
CREATE INDEX send_ledger_created_at ON send_ledger (created_at);

ALTER TABLE send_ledger ENABLE ROW LEVEL SECURITY;
ALTER TABLE send_ledger FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON send_ledger
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
