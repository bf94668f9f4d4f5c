// A local OIDC-style token issuer for development, the demo and tests. `api` exposes it (a
// `POST /dev/token` and its JWKS) only behind an explicit development flag. Production is safe
// even if someone enables it by mistake only because production verifiers trust the real issuer's
// JWKS URL and issuer name, never this key: keep that separation in configuration.
import { randomUUID } from 'node:crypto';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import { z } from 'zod';
import { CLAIMS, roleSchema, tenantIdSchema } from './claims';
import { AuthError } from './errors';
import type { Role } from './permissions';

const ALG = 'ES256';
const DEFAULT_TTL_SECONDS = 3600;
const MAX_TTL_SECONDS = 24 * 3600;

/** Body of a dev token request (also the schema `api` can use for `POST /dev/token`). */
export const devTokenRequestSchema = z.object({
  subject: z.string().min(1).max(255),
  tenantId: tenantIdSchema,
  roles: z.array(roleSchema).min(1),
  name: z.string().min(1).max(200).optional(),
  ttlSeconds: z.number().int().min(1).max(MAX_TTL_SECONDS).optional(),
});
export type DevTokenRequest = z.input<typeof devTokenRequestSchema>;

export interface DevIssuerOptions {
  issuer: string;
  audience: string;
  /** an ES256 (EC P-256) private JWK, e.g. kept in a local file so tokens survive restarts */
  privateJwk?: JWK;
  /** clock, for tests (e.g. minting tokens that are already expired) */
  now?: () => Date;
}

export interface DevIssuer {
  readonly issuer: string;
  readonly audience: string;
  /** key id: the RFC 7638 thumbprint of the public key */
  readonly kid: string;
  /** the public key set to serve as JWKS, or to hand to `createTokenVerifier({ jwks: { keys } })` */
  publicJwks(): { keys: JWK[] };
  mint(request: DevTokenRequest): Promise<string>;
  exportPrivateJwk(): JWK;
}

const privateEcJwkSchema = z.object({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string().min(1),
  y: z.string().min(1),
  d: z.string().min(1),
});

async function loadKey(
  privateJwk: JWK | undefined,
): Promise<{ privateKey: CryptoKey; jwk: z.infer<typeof privateEcJwkSchema> }> {
  if (privateJwk === undefined) {
    const { privateKey } = await generateKeyPair(ALG, { extractable: true });
    const jwk = privateEcJwkSchema.parse(await exportJWK(privateKey));
    return { privateKey, jwk };
  }
  const parsed = privateEcJwkSchema.safeParse(privateJwk);
  // the message stays generic: the input is a private key
  if (!parsed.success)
    throw new TypeError('privateJwk must be an EC P-256 private JWK (kty EC, crv P-256, x, y, d)');
  const key = await importJWK(parsed.data, ALG);
  if (key instanceof Uint8Array) throw new TypeError('privateJwk must be an EC P-256 private JWK');
  return { privateKey: key, jwk: parsed.data };
}

export async function createDevIssuer(options: DevIssuerOptions): Promise<DevIssuer> {
  if (options.issuer.length === 0 || options.audience.length === 0)
    throw new TypeError('issuer and audience are required');
  const { privateKey, jwk } = await loadKey(options.privateJwk);
  const publicJwk = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
  const kid = await calculateJwkThumbprint(publicJwk);
  const now = options.now ?? (() => new Date());

  return {
    issuer: options.issuer,
    audience: options.audience,
    kid,
    publicJwks: () => ({ keys: [{ ...publicJwk, kid, alg: ALG, use: 'sig' }] }),
    exportPrivateJwk: () => ({ ...jwk, kid, alg: ALG, use: 'sig' }),
    async mint(request) {
      const parsed = devTokenRequestSchema.safeParse(request);
      if (!parsed.success) {
        const fields = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? '(request)')))];
        throw new AuthError('token_claims_invalid', `dev token request invalid: ${fields.join(', ')}`);
      }
      const { subject, tenantId, roles, name, ttlSeconds } = parsed.data;
      const issuedAt = Math.floor(now().getTime() / 1000);
      const claims: Record<string, string | readonly Role[]> = {
        [CLAIMS.tenant]: tenantId,
        [CLAIMS.roles]: [...new Set(roles)],
      };
      if (name !== undefined) claims['name'] = name;
      return new SignJWT(claims)
        .setProtectedHeader({ alg: ALG, kid, typ: 'JWT' })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(subject)
        .setJti(randomUUID())
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + (ttlSeconds ?? DEFAULT_TTL_SECONDS))
        .sign(privateKey);
    },
  };
}
