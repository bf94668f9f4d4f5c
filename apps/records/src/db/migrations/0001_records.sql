-- records' own tables. Identifying patient data (MRN, names, date of birth, WhatsApp number) and
-- document titles, file names and contents are stored only sealed (libs/crypto envelope
-- encryption: a serialized careline.common.v1.Sealed per column, with a context naming the row and
-- the field, so a ciphertext copied to another row, field or tenant does not open). Lookups use
-- keyed hashes (blind indexes) of normalised values. Every table has tenant_id with forced
-- row-level security. Timestamps come from the application's clock, never now(), so tests can move
-- time (share expiry, code expiry).

CREATE TABLE patients (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  -- sealed JSON {mrn, given_name, family_name, date_of_birth, wa_id}
  identity_sealed bytea NOT NULL,
  -- blind indexes (HMAC-SHA-256 under the tenant's lookup key) of normalised values
  mrn_hash text NOT NULL,
  family_name_hash text NOT NULL,
  family_name_dob_hash text NOT NULL,
  -- the number's hash as on the event topics (WA_ID_HASH_PURPOSE), from the registry's number or
  -- a linked contact
  wa_id_hash text,
  -- BCP 47 tag: not identifying, kept in clear so that templates can be chosen without opening
  preferred_language text NOT NULL DEFAULT '',
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (tenant_id, mrn_hash),
  UNIQUE (tenant_id, id)
);
CREATE INDEX patients_by_family_name ON patients (tenant_id, family_name_hash);
CREATE INDEX patients_by_family_name_dob ON patients (tenant_id, family_name_dob_hash);
CREATE INDEX patients_by_wa_id ON patients (tenant_id, wa_id_hash) WHERE wa_id_hash IS NOT NULL;

-- Unverified WhatsApp contacts (messaging conversations) linked to a patient by staff; kept as history.
CREATE TABLE contact_links (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  patient_id uuid NOT NULL,
  wa_id_hash text NOT NULL,
  conversation_id uuid,
  linked_by text NOT NULL,
  linked_at timestamptz NOT NULL,
  FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id)
);
CREATE INDEX contact_links_by_patient ON contact_links (tenant_id, patient_id, linked_at DESC);

-- Consent decisions, append-only: the current decision per kind is the latest row.
CREATE TABLE consents (
  id uuid PRIMARY KEY,
  -- insertion order: two decisions recorded in the same millisecond still have an order
  seq bigint GENERATED ALWAYS AS IDENTITY,
  tenant_id uuid NOT NULL,
  patient_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('messaging', 'result_release_whatsapp')),
  granted boolean NOT NULL,
  source text NOT NULL CHECK (source IN ('whatsapp', 'staff', 'paper_form', 'ehr_import')),
  recorded_by text NOT NULL,
  recorded_at timestamptz NOT NULL,
  FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id)
);
CREATE INDEX consents_by_patient ON consents (tenant_id, patient_id, seq DESC);

CREATE TABLE documents (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  patient_id uuid NOT NULL,
  title_sealed bytea NOT NULL,
  file_name_sealed bytea,
  -- sniffed from the bytes, never the uploader's claim
  content_type text NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg', 'image/webp')),
  size_bytes bigint NOT NULL CHECK (size_bytes > 0),
  -- SHA-256 of the plaintext, checked on every read
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  idempotency_key text NOT NULL,
  uploaded_by text NOT NULL,
  created_at timestamptz NOT NULL,
  FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id),
  UNIQUE (tenant_id, patient_id, idempotency_key),
  UNIQUE (tenant_id, id)
);
CREATE INDEX documents_by_patient ON documents (tenant_id, patient_id, created_at DESC, id DESC);

-- The encrypted contents (the Postgres implementation of the blob store; see src/db/blobs.ts).
-- Apart from the metadata so that listing documents never reads megabytes.
CREATE TABLE document_blobs (
  document_id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  content_sealed bytea NOT NULL,
  FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id)
);

-- A release of a document to its patient. The link token is never stored: only its SHA-256.
CREATE TABLE shares (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  document_id uuid NOT NULL,
  patient_id uuid NOT NULL,
  token_hash text NOT NULL UNIQUE,
  idempotency_key text NOT NULL,
  shared_by text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  notice text NOT NULL DEFAULT 'pending' CHECK (notice IN ('pending', 'sent', 'failed')),
  notice_message_id text,
  opened_at timestamptz,
  verified_at timestamptz,
  downloaded_at timestamptz,
  revoked_at timestamptz,
  revoked_by text,
  locked_at timestamptz,
  failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  -- the pending one-time code, as a keyed hash, and how many codes were sent
  code_hash text,
  code_expires_at timestamptz,
  codes_sent integer NOT NULL DEFAULT 0,
  -- the verified browser session (cookie), as a SHA-256
  session_hash text,
  session_expires_at timestamptz,
  FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id),
  FOREIGN KEY (tenant_id, patient_id) REFERENCES patients (tenant_id, id)
);
CREATE INDEX shares_by_document ON shares (tenant_id, document_id, created_at DESC);
CREATE INDEX shares_by_patient ON shares (tenant_id, patient_id, created_at DESC);
CREATE UNIQUE INDEX shares_idempotency ON shares (tenant_id, document_id, idempotency_key) WHERE notice <> 'failed';

ALTER TABLE patients ENABLE ROW LEVEL SECURITY;
ALTER TABLE patients FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON patients
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

ALTER TABLE contact_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE contact_links FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON contact_links
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

ALTER TABLE consents ENABLE ROW LEVEL SECURITY;
ALTER TABLE consents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON consents
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON documents
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

ALTER TABLE document_blobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE document_blobs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON document_blobs
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

ALTER TABLE shares ENABLE ROW LEVEL SECURITY;
ALTER TABLE shares FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON shares
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
-- The release page knows only the link token, not the tenant. This policy lets a transaction
-- that set `app.share_token_hash` read exactly the share with that hash (SELECT only): enough to
-- learn its tenant, after which everything runs tenant-scoped as usual (src/db/shares.ts,
-- findShareTenantByToken, and nothing else).
CREATE POLICY share_by_token ON shares FOR SELECT
  USING (token_hash = current_setting('app.share_token_hash', true));
