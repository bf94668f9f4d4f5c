-- The care team's inbox (issue 5): conversation states (open / pending / closed), assignment to a
-- member of staff and/or a team, first-response and resolution times, SLA targets per team,
-- internal notes, per-tenant routing rules, and the inbox event log behind the live stream
-- (WatchInbox → api's WebSocket /v1/stream). Every table has tenant_id with forced RLS.

ALTER TABLE conversations DROP CONSTRAINT conversations_status_check;
ALTER TABLE conversations ADD CONSTRAINT conversations_status_check CHECK (status IN ('open', 'pending', 'closed'));
ALTER TABLE conversations
  -- the staff member's OIDC subject (staff.subject); not a foreign key: staff leave, history stays
  ADD COLUMN assigned_to text CHECK (char_length(assigned_to) BETWEEN 1 AND 255),
  ADD COLUMN team_id uuid,
  -- start of the current episode: the first message, or the patient message that reopened it.
  -- NULL on rows older than this migration: read as created_at
  ADD COLUMN opened_at timestamptz,
  -- the care team's first reply in the current episode (first-response time = this − opened_at)
  ADD COLUMN first_response_at timestamptz,
  -- resolution time = closed_at − opened_at
  ADD COLUMN closed_at timestamptz,
  -- where routing is for the current episode: nothing yet, the greeting menu sent (waiting for
  -- the patient's choice), or done (a team was chosen, by a rule or by staff)
  ADD COLUMN routing_state text NOT NULL DEFAULT 'none' CHECK (routing_state IN ('none', 'menu_sent', 'routed')),
  ADD CONSTRAINT conversations_team_fk FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id);
CREATE INDEX conversations_by_assignee ON conversations (tenant_id, assigned_to) WHERE assigned_to IS NOT NULL;
CREATE INDEX conversations_by_team ON conversations (tenant_id, team_id) WHERE team_id IS NOT NULL;

-- SLA target of a team: minutes from (re)opening to the first response (NULL: none)
ALTER TABLE teams ADD COLUMN sla_first_response_minutes integer CHECK (sla_first_response_minutes BETWEEN 1 AND 10080);

-- Internal notes of the care team; the text may name the patient, so it is sealed like messages.
CREATE TABLE conversation_notes (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  conversation_id uuid NOT NULL,
  author text NOT NULL,
  body_sealed bytea NOT NULL,
  created_at timestamptz NOT NULL,
  FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id)
);
CREATE INDEX conversation_notes_by_conversation ON conversation_notes (tenant_id, conversation_id, created_at, id);
ALTER TABLE conversation_notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversation_notes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON conversation_notes
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

-- One row per tenant: the greeting menu, keywords and default team (hospital configuration, no
-- patient data).
CREATE TABLE routing_rules (
  tenant_id uuid PRIMARY KEY,
  enabled boolean NOT NULL,
  default_team_id uuid,
  greeting text NOT NULL,
  -- [{key, label, teamId}]
  menu jsonb NOT NULL,
  -- [{keyword, teamId}]
  keywords jsonb NOT NULL,
  updated_at timestamptz NOT NULL,
  updated_by text NOT NULL
);
ALTER TABLE routing_rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE routing_rules FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON routing_rules
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

-- The per-tenant event sequence. A writer increments its tenant's row in the transaction of the
-- change and holds the row lock until commit, so a tenant's events COMMIT in seq order: a reader
-- that saw seq n can never later find a committed n-1 (what a global bigserial would allow).
CREATE TABLE inbox_sequences (
  tenant_id uuid PRIMARY KEY,
  last_seq bigint NOT NULL
);
ALTER TABLE inbox_sequences ENABLE ROW LEVEL SECURITY;
ALTER TABLE inbox_sequences FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON inbox_sequences
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

-- What happened in the inbox, in the transaction of each change. Ids and enum facts only: the
-- stream builds the views (opening sealed columns) when it delivers an event.
CREATE TABLE inbox_events (
  tenant_id uuid NOT NULL,
  seq bigint NOT NULL,
  kind text NOT NULL CHECK (kind IN ('message_received', 'message_sent', 'message_status', 'conversation_assigned',
                                     'conversation_state', 'note_added', 'conversation_read')),
  conversation_id uuid NOT NULL,
  message_id uuid,
  note_id uuid,
  actor text NOT NULL,
  facts jsonb NOT NULL DEFAULT '{}',
  occurred_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX inbox_events_by_time ON inbox_events (tenant_id, occurred_at);
ALTER TABLE inbox_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE inbox_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON inbox_events
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
