-- The W3C trace id of the work that stored each message (the patient's webhook for inbound, the
-- staff request for outbound), so that a reply can continue the trace of the message it answers
-- and a later delivery status can name the trace of its message in the logs. Not patient data:
-- 32 random hex characters. Null for messages stored before this migration.
ALTER TABLE messages ADD COLUMN trace_id text CHECK (trace_id ~ '^[0-9a-f]{32}$');
