-- Meta's verdict on a template as its `message_template_status_update` webhook reports it
-- (wa.template.status.v1, from ingest), between syncs: the reason (a rejection's, or a pause's
-- title; '' for none) and when Meta reported the status, so an older verdict never overwrites a
-- newer one. A sync that finds another status clears the reason (the list API gives none).
ALTER TABLE templates ADD COLUMN status_reason text NOT NULL DEFAULT '';
ALTER TABLE templates ADD COLUMN status_changed_at timestamptz;
