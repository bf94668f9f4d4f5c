import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ndjsonChunks } from './audit-log';
import { requireAuditReader } from './caller';

const TENANT = '0b7c5c8e-2f0d-4d8e-9a55-0c4f3f0e9a11';

function linesOf(lines: string[]): AsyncIterable<string> {
  return Readable.from(lines);
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of chunks) out.push(chunk.toString('utf8'));
  return out;
}

describe('ndjsonChunks', () => {
  it('groups whole lines up to the size, never splitting one', async () => {
    const lines = ['{"a":1}\n', '{"b":2}\n', '{"c":3}\n', `{"long":"${'x'.repeat(30)}"}\n`, '{"d":4}\n'];
    const chunks = await collect(ndjsonChunks(linesOf(lines), 17));
    expect(chunks).toEqual(['{"a":1}\n{"b":2}\n', '{"c":3}\n', lines[3], '{"d":4}\n']);
    expect(chunks.join('')).toBe(lines.join(''));
    expect(await collect(ndjsonChunks(linesOf([]), 17))).toEqual([]);
  });
});

describe('requireAuditReader', () => {
  it('admits the roles the permission table grants audit:read, in the caller tenant, lowercased', () => {
    expect(requireAuditReader({ tenantId: TENANT.toUpperCase(), actor: 'user:a', roles: ['nurse', 'auditor'] })).toEqual({
      tenantId: TENANT,
      actor: 'user:a',
      roles: ['nurse', 'auditor'],
    });
    expect(requireAuditReader({ tenantId: TENANT, actor: 'user:a', roles: ['admin'] }).tenantId).toBe(TENANT);
  });

  it.each([['nurse'], ['clinician', 'front_desk', 'integration'], ['Auditor'], ['audit:read'], []])(
    'refuses roles %j with role_required',
    (...roles) => {
      expect(() => requireAuditReader({ tenantId: TENANT, actor: 'user:a', roles })).toThrow(
        expect.objectContaining({ code: 'role_required', kind: 'permission_denied' }),
      );
    },
  );

  it('refuses a call without a caller, without a tenant or with a tenant that is not a UUID', () => {
    expect(() => requireAuditReader(undefined)).toThrow(expect.objectContaining({ code: 'caller_required', kind: 'unauthenticated' }));
    expect(() => requireAuditReader({ actor: 'user:a', roles: ['auditor'] })).toThrow(
      expect.objectContaining({ code: 'tenant_required', kind: 'unauthenticated' }),
    );
    expect(() => requireAuditReader({ tenantId: 'hospital-1', actor: 'user:a', roles: ['auditor'] })).toThrow(
      expect.objectContaining({ code: 'invalid_caller', kind: 'unauthenticated' }),
    );
  });
});
