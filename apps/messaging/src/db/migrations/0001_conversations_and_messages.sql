-- messaging's own tables. Patient data (numbers, names, message contents, previews) is stored only
-- sealed (libs/crypto envelope encryption, a serialized careline.common.v1.Sealed per column, with
-- a context naming the row and the field); lookups use the keyed hash wa_id_hash. Every table has
-- tenant_id with forced row-level security. Timestamps are written by the application's clock,
-- never by now(), so the injectable clock governs the 24-hour window and paging cursors.

-- One conversation per (tenant, hospital number, patient).
CREATE TABLE conversations (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  phone_number_id text NOT NULL,
  wa_id_hash text NOT NULL,
  -- the patient's wa_id (digits), for display and for sending replies
  wa_id_sealed bytea NOT NULL,
  -- the WhatsApp profile name, when Meta sent one
  display_name_sealed bytea,
  patient_id uuid,
  -- the patient's Meta `sent_at` of their latest message: the 24-hour window runs from here
  last_inbound_at timestamptz,
  last_message_at timestamptz NOT NULL,
  last_message_preview_sealed bytea,
  unread_count integer NOT NULL DEFAULT 0 CHECK (unread_count >= 0),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (tenant_id, phone_number_id, wa_id_hash),
  -- target of messages' composite foreign key, so a message can never point at another tenant's conversation
  UNIQUE (tenant_id, id)
);
CREATE INDEX conversations_by_activity ON conversations (tenant_id, last_message_at DESC, id DESC);

-- Messages in both directions. Inbound: id = the event's message_id, state 'received'.
-- Outbound: a new id, state from 'queued' on, moved by results and statuses (monotonic merge).
CREATE TABLE messages (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  conversation_id uuid NOT NULL,
  direction text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  wamid text,
  -- which MessagingService content variant content_sealed holds (serialized protobuf of it)
  content_kind text NOT NULL CHECK (content_kind IN ('text', 'media', 'location', 'contacts', 'reply', 'reaction', 'template', 'interactive', 'unsupported')),
  content_sealed bytea NOT NULL,
  reply_to_message_id uuid,
  state text NOT NULL CHECK (state IN ('received', 'queued', 'sent', 'delivered', 'read', 'failed')),
  state_at timestamptz NOT NULL,
  -- for 'failed': Meta's code as its number, or Careline's snake_case code, and a plain reason
  error_code text,
  error_reason text,
  -- when each status was first reported (Meta's timestamps), whatever order they arrived in
  sent_status_at timestamptz,
  delivered_status_at timestamptz,
  read_status_at timestamptz,
  failed_status_at timestamptz,
  sent_by text,
  idempotency_key text,
  -- inbound: the patient's Meta `sent_at`; outbound: when it was queued
  created_at timestamptz NOT NULL,
  -- when messaging stored the row (by the application's clock)
  stored_at timestamptz NOT NULL,
  FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id),
  UNIQUE (tenant_id, wamid),
  UNIQUE (tenant_id, conversation_id, idempotency_key),
  CHECK ((direction = 'inbound') = (state = 'received')),
  CHECK ((state = 'failed') = (error_code IS NOT NULL))
);
CREATE INDEX messages_by_conversation ON messages (tenant_id, conversation_id, created_at DESC, id DESC);

-- Statuses that arrived before messaging could match them to a message (the status overtook the
-- gateway's result that carries the wamid, or names a message not stored yet). Never dropped:
-- applied and deleted when the message or its wamid appears.
CREATE TABLE pending_statuses (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  message_id uuid,
  wamid text,
  status text NOT NULL CHECK (status IN ('sent', 'delivered', 'read', 'failed')),
  status_at timestamptz NOT NULL,
  error_code text,
  error_reason text,
  parked_at timestamptz NOT NULL,
  CHECK (message_id IS NOT NULL OR wamid IS NOT NULL),
  CHECK ((status = 'failed') = (error_code IS NOT NULL))
);
CREATE INDEX pending_statuses_by_message ON pending_statuses (tenant_id, message_id) WHERE message_id IS NOT NULL;
CREATE INDEX pending_statuses_by_wamid ON pending_statuses (tenant_id, wamid) WHERE wamid IS NOT NULL;

ALTER TABLE conversations ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON conversations
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON messages
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

ALTER TABLE pending_statuses ENABLE ROW LEVEL SECURITY;
ALTER TABLE pending_statuses FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON pending_statuses
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
