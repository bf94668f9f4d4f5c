import { describe, expect, it } from 'vitest';
import { CURRENT_TENANT_SQL, tenantIsolationSql } from './tenancy';
import { isUuid } from './transactions';

describe('tenantIsolationSql', () => {
  it('enables and forces row-level security and adds the tenant policy', () => {
    const sql = tenantIsolationSql('messaging.conversations');
    expect(sql).toContain('ALTER TABLE "messaging"."conversations" ENABLE ROW LEVEL SECURITY;');
    expect(sql).toContain('ALTER TABLE "messaging"."conversations" FORCE ROW LEVEL SECURITY;');
    expect(sql).toContain(
      `CREATE POLICY tenant_isolation ON "messaging"."conversations" USING (tenant_id = ${CURRENT_TENANT_SQL}) WITH CHECK (tenant_id = ${CURRENT_TENANT_SQL});`,
    );
  });

  it('treats an empty tenant setting as no tenant', () => {
    expect(CURRENT_TENANT_SQL).toBe("nullif(current_setting('app.tenant_id', true), '')::uuid");
  });

  it('refuses names that are not plain identifiers', () => {
    expect(() => tenantIsolationSql('notes; DROP TABLE x')).toThrow(/not valid/);
    expect(() => tenantIsolationSql('a.b.c')).toThrow(/too many parts/);
  });
});

describe('isUuid', () => {
  it('accepts UUIDs in either case and nothing else', () => {
    expect(isUuid('0b7a1f9e-4c1d-4b6a-9a53-2f7d3c1e8a10')).toBe(true);
    expect(isUuid('0B7A1F9E-4C1D-4B6A-9A53-2F7D3C1E8A10')).toBe(true);
    expect(isUuid('')).toBe(false);
    expect(isUuid('0b7a1f9e4c1d4b6a9a532f7d3c1e8a10')).toBe(false);
    expect(isUuid("0b7a1f9e-4c1d-4b6a-9a53-2f7d3c1e8a10' OR '1'='1")).toBe(false);
  });
});
