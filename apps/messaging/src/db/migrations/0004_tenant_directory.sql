-- The hospital (tenant) itself, its teams and its staff directory: messaging owns assignment, so
-- teams and staff are its data (TenantDirectoryService, proto/careline/messaging/v1/directory.proto).
-- Staff names and e-mails are staff data, not patient data: kept in clear, but never put in events
-- or logs (those carry ids).

-- One row per hospital; `tenant_id` is the tenant's id, so the usual isolation applies to it.
CREATE TABLE tenants (
  tenant_id uuid PRIMARY KEY,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  -- IANA zone (checked by the service: the database does not know the list)
  time_zone text NOT NULL,
  -- WhatsApp template language code, e.g. en_US
  default_language text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
-- The one cross-tenant read: ListTenants, a platform-operator call (src/db/directory.ts,
-- listAllTenants, and nothing else). SELECT-only, and only inside a READ ONLY transaction that set
-- `app.platform_directory` for itself, so the flag can never widen a write.
CREATE POLICY platform_directory_read ON tenants FOR SELECT
  USING (
    current_setting('app.platform_directory', true) = 'on'
    AND current_setting('transaction_read_only') = 'on'
  );

CREATE TABLE teams (
  tenant_id uuid NOT NULL REFERENCES tenants (tenant_id),
  id uuid NOT NULL,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX teams_name_per_tenant ON teams (tenant_id, lower(name));
ALTER TABLE teams ENABLE ROW LEVEL SECURITY;
ALTER TABLE teams FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON teams
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

CREATE TABLE staff (
  tenant_id uuid NOT NULL REFERENCES tenants (tenant_id),
  id uuid NOT NULL,
  -- the identity provider's `sub`
  subject text NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 255),
  display_name text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 200),
  email text,
  -- @careline/auth ROLES (checked by the service, which knows the current list)
  roles text[] NOT NULL CHECK (cardinality(roles) >= 1),
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, subject)
);
ALTER TABLE staff ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON staff
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());

CREATE TABLE staff_teams (
  tenant_id uuid NOT NULL,
  staff_id uuid NOT NULL,
  team_id uuid NOT NULL,
  PRIMARY KEY (tenant_id, staff_id, team_id),
  FOREIGN KEY (tenant_id, staff_id) REFERENCES staff (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX staff_teams_team ON staff_teams (tenant_id, team_id);
ALTER TABLE staff_teams ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff_teams FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON staff_teams
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
