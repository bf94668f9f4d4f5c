// The tables this library keeps inside a service's schema, applied as component `bus`:
//   runMigrations(pool, { schema, component: 'bus', migrations: busMigrations })
// Like every applied migration these are never edited; a change is a new numbered entry.
// Names are unqualified: runMigrations sets search_path to the service's schema.
import { defineMigrations } from '@careline/db';

/** The LISTEN/NOTIFY channel the outbox trigger signals; the payload is the schema name. */
export const outboxChannel = 'careline_outbox';

export const busMigrationComponent = 'bus';

export const busMigrations = defineMigrations([
  {
    version: 1,
    name: 'outbox_and_processed_events',
    sql: `
-- Events written in the same transaction as the business change, sent to Kafka by the relay and
-- then deleted. id orders them: the relay sends in id order.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  event_id uuid NOT NULL,
  topic text NOT NULL,
  key text NOT NULL,
  headers jsonb NOT NULL,
  payload bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per (consumer group, ce_id) whose effect is committed: the consumer's dedupe key,
-- written in the same transaction as the effect.
CREATE TABLE processed_events (
  consumer_group text NOT NULL,
  event_id uuid NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, event_id)
);
CREATE INDEX processed_events_processed_at ON processed_events (processed_at);

-- Wakes the relay when a transaction that wrote to the outbox commits (NOTIFY is delivered on
-- commit only, so a rolled-back transaction wakes nobody). One notification per statement is
-- enough: the relay reads everything pending.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('${outboxChannel}', TG_TABLE_SCHEMA);
  RETURN NULL;
END
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
`,
  },
]);
