// Tenant isolation by row-level security. The convention (README, "Tenant isolation"): every table
// with a `tenant_id uuid` column has RLS enabled AND forced (forced, because the service role owns
// its tables and owners bypass plain RLS), and a policy that compares `tenant_id` with the tenant
// set by `withTenant` for the current transaction.
import { type Queryable } from './pool';
import { assertIdentifier, quoteIdentifier } from './sql';

/**
 * The current tenant as SQL, or NULL when none is set. `nullif(…, '')` matters: once a
 * transaction on a session has set `app.tenant_id`, later transactions on that session see ''
 * (not NULL), and `''::uuid` would throw instead of matching no rows.
 */
export const CURRENT_TENANT_SQL = "nullif(current_setting('app.tenant_id', true), '')::uuid";

/**
 * The statements that put a table under tenant isolation, for migrations written in TypeScript
 * (`defineMigrations`). `table` may be schema-qualified (`messaging.conversations`).
 */
export function tenantIsolationSql(table: string): string {
  const parts = table.split('.');
  if (parts.length > 2) throw new TypeError(`table name ${JSON.stringify(table)} has too many parts`);
  for (const part of parts) assertIdentifier('table', part);
  const name = parts.map(quoteIdentifier).join('.');
  return [
    `ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY;`,
    `ALTER TABLE ${name} FORCE ROW LEVEL SECURITY;`,
    `CREATE POLICY tenant_isolation ON ${name} USING (tenant_id = ${CURRENT_TENANT_SQL}) WITH CHECK (tenant_id = ${CURRENT_TENANT_SQL});`,
  ].join('\n');
}

export type TenantIsolationProblem = 'rls_not_enabled' | 'rls_not_forced' | 'no_policy';

export interface TenantIsolationGap {
  table: string;
  problems: TenantIsolationProblem[];
}

interface IsolationRow {
  table: string;
  enabled: boolean;
  forced: boolean;
  has_policy: boolean;
}

/**
 * Tables (and partitioned tables) of `schema` that have a `tenant_id` column but lack enabled
 * RLS, forced RLS, or any policy. An empty list means every tenant-owned table is isolated.
 */
export async function findTablesWithoutTenantIsolation(
  db: Queryable,
  schema: string,
): Promise<TenantIsolationGap[]> {
  const { rows } = await db.query<IsolationRow>(
    `SELECT c.relname AS table,
            c.relrowsecurity AS enabled,
            c.relforcerowsecurity AS forced,
            EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid) AS has_policy
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1
        AND c.relkind IN ('r', 'p')
        AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND a.attnum > 0 AND NOT a.attisdropped)
      ORDER BY c.relname`,
    [schema],
  );
  const gaps: TenantIsolationGap[] = [];
  for (const row of rows) {
    const problems: TenantIsolationProblem[] = [];
    if (!row.enabled) problems.push('rls_not_enabled');
    if (!row.forced) problems.push('rls_not_forced');
    if (!row.has_policy) problems.push('no_policy');
    if (problems.length > 0) gaps.push({ table: row.table, problems });
  }
  return gaps;
}
