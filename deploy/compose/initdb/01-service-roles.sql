-- One role and schema per service (DESIGN.md, Data), as tools/stack and libs/db
-- provisionServiceRole do: a login role without SUPERUSER or BYPASSRLS, owning its schema, so
-- that row-level security applies to it. Development passwords only.
CREATE ROLE gateway LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD 'dev-only-gateway';
CREATE ROLE ingest LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD 'dev-only-ingest';
CREATE ROLE messaging LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD 'dev-only-messaging';
CREATE ROLE scheduling LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD 'dev-only-scheduling';
CREATE ROLE records LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD 'dev-only-records';
CREATE ROLE audit LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD 'dev-only-audit';
CREATE SCHEMA gateway AUTHORIZATION gateway;
CREATE SCHEMA ingest AUTHORIZATION ingest;
CREATE SCHEMA messaging AUTHORIZATION messaging;
CREATE SCHEMA scheduling AUTHORIZATION scheduling;
-- scheduling's no-double-booking exclusion constraint; a service role cannot create extensions
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE SCHEMA records AUTHORIZATION records;
CREATE SCHEMA audit AUTHORIZATION audit;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
