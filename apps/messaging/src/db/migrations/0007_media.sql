-- Patient media (photos, documents, voice notes …) fetched from Meta through the gateway and kept
-- here sealed (libs/crypto envelope encryption under `messaging:media:<id>:content`). A media
-- message is stored at once with its media row `pending`; a durable retry loop (the fetch job)
-- claims due rows, fetches, and moves them to `stored`, or to `failed` after the last attempt.
-- The message is never lost either way: only the bytes can be missing.
CREATE TABLE media (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  message_id uuid NOT NULL UNIQUE REFERENCES messages (id),
  -- where to fetch it: the receiving number and Meta's media id (ids only, no patient data)
  phone_number_id text NOT NULL,
  meta_media_id text NOT NULL,
  -- as the webhook declared them
  declared_mime_type text NOT NULL,
  declared_sha256 text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'stored', 'failed')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- when the job may try (again); null once stored or failed
  next_attempt_at timestamptz,
  -- the last failure's code (`graph_unavailable`, `media_too_large` …), never Meta's text
  last_error text,
  -- set when stored: sniffed (else declared) MIME type, size, sha256 of the plaintext, the sealed bytes
  mime_type text,
  size_bytes bigint CHECK (size_bytes >= 0),
  sha256 text,
  content_sealed bytea,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK ((state = 'stored') = (content_sealed IS NOT NULL)),
  CHECK ((state = 'pending') = (next_attempt_at IS NOT NULL))
);
CREATE INDEX media_due ON media (next_attempt_at) WHERE state = 'pending';

ALTER TABLE media ENABLE ROW LEVEL SECURITY;
ALTER TABLE media FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON media
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
-- The fetch job finds due rows of every tenant (ids only) before it claims each one under its own
-- tenant. The flag is set per transaction, and only a READ ONLY transaction qualifies, so it can
-- never widen a write.
CREATE POLICY media_fetch_scan ON media FOR SELECT
  USING (
    current_setting('app.media_fetch_scan', true) = 'on'
    AND current_setting('transaction_read_only') = 'on'
  );
