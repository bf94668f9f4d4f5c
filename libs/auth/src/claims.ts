// The claims convention shared by the verifier, the dev issuer, the console and the demo.
import { z } from 'zod';
import { AuthError } from './errors';
import { ROLES } from './permissions';
import type { Principal } from './principal';

/**
 * Namespaced claim names, so they never collide with an identity provider's own `roles`/`tid`
 * claims (Azure AD, Keycloak) and pass providers that require namespaced custom claims (Auth0).
 */
export const CLAIMS = {
  tenant: 'https://careline.health/tenant',
  roles: 'https://careline.health/roles',
} as const;

export const roleSchema = z.enum(ROLES);
/** any 8-4-4-4-12 hex uuid (seeded demo tenants need not be RFC 9562 v4) */
export const tenantIdSchema = z.guid().transform((id) => id.toLowerCase());

// Only the claims Careline reads; registered claims (iss, aud, exp, nbf) are checked by jose first.
const careLineClaimsSchema = z.object({
  sub: z.string().min(1).max(255),
  exp: z.number(),
  iat: z.number().optional(),
  jti: z.string().min(1).max(255).optional(),
  name: z.string().min(1).max(200).optional(),
  [CLAIMS.tenant]: tenantIdSchema,
  [CLAIMS.roles]: z
    .array(roleSchema)
    .min(1)
    .max(ROLES.length * 4),
});

/** Turns verified claims into a principal; refuses with `token_claims_invalid` naming only the claim. */
export function principalFromClaims(payload: unknown): Principal {
  const parsed = careLineClaimsSchema.safeParse(payload);
  if (!parsed.success) {
    const claims = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? '(token)')))];
    throw new AuthError('token_claims_invalid', `token claims missing or invalid: ${claims.join(', ')}`);
  }
  const claims = parsed.data;
  const principal: Principal = {
    subject: claims.sub,
    tenantId: claims[CLAIMS.tenant],
    roles: Object.freeze([...new Set(claims[CLAIMS.roles])]),
    expiresAt: new Date(claims.exp * 1000),
  };
  if (claims.name !== undefined) principal.name = claims.name;
  if (claims.jti !== undefined) principal.tokenId = claims.jti;
  return principal;
}
