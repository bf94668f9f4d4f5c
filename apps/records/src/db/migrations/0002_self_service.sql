-- Self-service in chat (a patient who writes "my results"): records answers in the conversation
-- its "result ready" notice went to (messaging's SendInteractive needs a conversation, and the
-- inbound event names none), so the notice's conversation is kept with the share.
ALTER TABLE shares ADD COLUMN notice_conversation_id uuid;
-- The processed-events table of libs/bus's idempotent consumer lives in the `bus` component's
-- migrations; records consumes `patient.message.received.v1` from this version on.

-- Per-tenant release policy. `chat_delivery`: after the same verification as the release page, a
-- patient may ask for the document itself in WhatsApp (default off: the chat only says that a
-- result is ready). One row per tenant that changed the default.
CREATE TABLE tenant_policies (
  tenant_id uuid PRIMARY KEY,
  chat_delivery boolean NOT NULL DEFAULT false,
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL
);
ALTER TABLE tenant_policies ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_policies FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_policies
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
