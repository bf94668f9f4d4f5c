import { describe, expect, it } from 'vitest';
import { createTestAuth, testPrincipal } from './index';

describe('testing helpers', () => {
  it('createTestAuth mints tokens for its tenant that its verifier accepts, and only its own', async () => {
    const auth = await createTestAuth();
    const principal = await auth.verifier.verify(`Bearer ${await auth.mint({ roles: ['front_desk'] })}`);
    expect(principal).toMatchObject({ tenantId: auth.tenantId, roles: ['front_desk'] });
    const other = await createTestAuth();
    await expect(other.verifier.verify(await auth.mint({ roles: ['admin'] }))).rejects.toMatchObject({
      code: 'token_invalid_signature',
    });
  });

  it('testPrincipal builds a principal with overrides', () => {
    expect(testPrincipal({ roles: ['auditor'] }).roles).toEqual(['auditor']);
  });
});
