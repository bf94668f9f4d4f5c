// Builders for other projects' tests: a dev issuer with a verifier that trusts it, and principals
// for pure permission checks.
import { randomUUID } from 'node:crypto';
import { createDevIssuer, type DevIssuer, type DevTokenRequest } from '../dev-issuer';
import type { Role } from '../permissions';
import type { Principal } from '../principal';
import { createTokenVerifier, type TokenVerifier } from '../verifier';

export const TEST_ISSUER = 'https://auth.careline.test';
export const TEST_AUDIENCE = 'careline-api';

export interface TestAuth {
  issuer: DevIssuer;
  verifier: TokenVerifier;
  /** a fresh tenant id for this fixture; `mint` uses it unless told otherwise */
  tenantId: string;
  mint(request: Partial<DevTokenRequest> & { roles: Role[] }): Promise<string>;
}

/** A fresh dev issuer (new key each call) and a verifier that trusts only it. */
export async function createTestAuth(options: { now?: () => Date } = {}): Promise<TestAuth> {
  const issuer = await createDevIssuer({ issuer: TEST_ISSUER, audience: TEST_AUDIENCE, ...options });
  const verifier = createTokenVerifier({
    issuer: TEST_ISSUER,
    audience: TEST_AUDIENCE,
    jwks: { keys: issuer.publicJwks().keys },
    ...options,
  });
  const tenantId = randomUUID();
  return {
    issuer,
    verifier,
    tenantId,
    mint: (request) => issuer.mint({ subject: `user-${randomUUID()}`, tenantId, ...request }),
  };
}

export function testPrincipal(overrides: Partial<Principal> = {}): Principal {
  return {
    subject: `user-${randomUUID()}`,
    tenantId: randomUUID(),
    roles: ['clinician'],
    expiresAt: new Date(Date.now() + 3600_000),
    ...overrides,
  };
}
