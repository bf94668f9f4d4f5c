import { AuthError, type TokenVerifier } from '@careline/auth';
import { createTestAuth, testPrincipal } from '@careline/auth/testing';
import { isDomainError } from '@careline/runtime';
import { describe, expect, it } from 'vitest';
import { authFailure, callerOf, combineVerifiers, requirePermission } from './principal';

function refusing(code: ConstructorParameters<typeof AuthError>[0]): TokenVerifier & { calls: number } {
  const verifier = {
    calls: 0,
    verify() {
      verifier.calls += 1;
      return Promise.reject(new AuthError(code, `refused: ${code}`));
    },
  };
  return verifier;
}

describe('callerOf', () => {
  it('takes tenant, actor and roles from the principal', () => {
    const principal = testPrincipal({ subject: 'nurse-1', roles: ['nurse', 'front_desk'] });
    expect(callerOf(principal)).toEqual({
      tenantId: principal.tenantId,
      actor: 'user:nurse-1',
      roles: ['nurse', 'front_desk'],
    });
  });
});

describe('authFailure', () => {
  it('maps token refusals to 401, permission to 403 and an unreachable issuer to 503 kinds', () => {
    expect(authFailure(new AuthError('token_expired', 'the token has expired'))).toMatchObject({
      code: 'token_expired',
      kind: 'unauthenticated',
    });
    expect(
      authFailure(new AuthError('permission_denied', 'permission x', { permission: 'messages:send' })),
    ).toMatchObject({
      code: 'permission_denied',
      kind: 'permission_denied',
      details: { permission: 'messages:send' },
    });
    expect(authFailure(new AuthError('issuer_unavailable', 'down'))).toMatchObject({
      code: 'issuer_unavailable',
      kind: 'unavailable',
      retryable: true,
    });
  });

  it('requirePermission throws the 403 DomainError', () => {
    expect(() => requirePermission(testPrincipal({ roles: ['auditor'] }), 'conversations:read')).toThrow(
      expect.objectContaining({ code: 'permission_denied', kind: 'permission_denied' }) as Error,
    );
    expect(() => requirePermission(testPrincipal({ roles: ['nurse'] }), 'conversations:read')).not.toThrow();
  });
});

describe('combineVerifiers', () => {
  it('passes a token another issuer may know to the next verifier', async () => {
    const auth = await createTestAuth();
    const token = await auth.mint({ roles: ['nurse'] });
    for (const code of ['token_wrong_issuer', 'token_invalid_signature'] as const) {
      const first = refusing(code);
      await expect(combineVerifiers([first, auth.verifier]).verify(token)).resolves.toMatchObject({
        tenantId: auth.tenantId,
      });
      expect(first.calls).toBe(1);
    }
  });

  it('stops at a final refusal, and reports the last one when no issuer knows the token', async () => {
    const next = refusing('token_wrong_issuer');
    const expired = combineVerifiers([refusing('token_expired'), next]).verify('t');
    await expect(expired).rejects.toMatchObject({ code: 'token_expired' });
    expect(next.calls).toBe(0);
    await expect(
      combineVerifiers([refusing('token_wrong_issuer'), refusing('token_invalid_signature')]).verify('t'),
    ).rejects.toMatchObject({
      code: 'token_invalid_signature',
    });
  });

  it('keeps errors AuthErrors (translated once, at the HTTP edge)', async () => {
    const error: unknown = await combineVerifiers([refusing('token_missing')])
      .verify(undefined)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(isDomainError(error)).toBe(false);
  });
});
