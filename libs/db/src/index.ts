// Public door of @careline/db: PostgreSQL pools with guardrails, forward-only migrations per
// service schema, transactions, and tenant isolation by row-level security. See README.md.
export {
  type DatabaseTarget,
  type DbLogger,
  type Pool,
  type PoolClient,
  type PoolOptions,
  type Queryable,
  DatabaseUnavailableError,
  checkDatabase,
  createPool,
  describeDatabaseTarget,
} from './pool';
export { isUuid, withTenant, withTransaction } from './transactions';
export {
  type Migration,
  type MigrationFile,
  type MigrationRun,
  type MigrationSource,
  type RunMigrationsOptions,
  MigrationError,
  defineMigrations,
  loadMigrations,
  migrationChecksum,
  migrationsFromFiles,
  parseMigrationFileName,
  runMigrations,
} from './migrations';
export {
  type TenantIsolationGap,
  type TenantIsolationProblem,
  CURRENT_TENANT_SQL,
  findTablesWithoutTenantIsolation,
  tenantIsolationSql,
} from './tenancy';
export { type ServiceRoleOptions, provisionServiceRole, serviceDatabaseUrl } from './roles';
