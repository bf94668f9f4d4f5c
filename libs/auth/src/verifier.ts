// Verifies OIDC bearer tokens (JWS-signed JWTs) and turns them into a Principal. Checks run in the
// order an attacker cannot steer: the header's algorithm against an allow-list of asymmetric
// algorithms (so `none` and HS256-signed-with-the-public-key never reach a key), then the
// signature, then issuer/audience/time, then Careline's own claims.
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import { principalFromClaims } from './claims';
import { AuthError } from './errors';
import type { Principal } from './principal';

/** Signature algorithms with a public verification key. Symmetric (HS*) and `none` are never accepted. */
export const ASYMMETRIC_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
  'Ed25519',
] as const;
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

export type JwksSource =
  | {
      /** the provider's `jwks_uri` (from `<issuer>/.well-known/openid-configuration`) */
      url: string | URL;
      /** refetch the set at least this often (default 10 minutes) */
      cacheMaxAgeMs?: number;
      /** an unknown `kid` refetches the set at most this often (default 30 s) */
      cooldownMs?: number;
      /** give up on a fetch after this long (default 5 s) */
      timeoutMs?: number;
      /** allow plain http to a non-loopback host (only where the network itself is trusted) */
      allowInsecureHttp?: boolean;
    }
  | { keys: readonly JWK[] };

export interface TokenVerifierOptions {
  /** expected `iss`, compared exactly (mind the trailing slash) */
  issuer: string;
  /** expected `aud`: the token must name at least one of these */
  audience: string | readonly string[];
  jwks: JwksSource;
  /** allowed clock skew for `exp`, `nbf` and `iat` (default 30 s) */
  clockToleranceSec?: number;
  /** default: every asymmetric algorithm; the key type must still match the algorithm */
  algorithms?: readonly AsymmetricAlgorithm[];
  /** clock, for tests */
  now?: () => Date;
}

export interface TokenVerifier {
  /** accepts an `Authorization` header value (`Bearer <jwt>`) or the bare token */
  verify(authorizationHeaderOrToken: string | null | undefined): Promise<Principal>;
}

/** Far above any real token (a few KiB); stops decoding huge inputs before any work. */
const MAX_TOKEN_LENGTH = 16 * 1024;
const DEFAULT_CLOCK_TOLERANCE_SEC = 30;

function extractToken(input: string | null | undefined): string {
  const value = input?.trim() ?? '';
  if (value.length === 0) throw new AuthError('token_missing', 'no bearer token was presented');
  const parts = value.split(/\s+/);
  if (parts.length === 1) {
    if (value.toLowerCase() === 'bearer')
      throw new AuthError('token_missing', 'no bearer token was presented');
    return value;
  }
  if (parts[0]?.toLowerCase() !== 'bearer') {
    throw new AuthError('token_malformed', 'the authorization scheme must be Bearer');
  }
  if (parts.length !== 2) throw new AuthError('token_malformed', 'the bearer token must be a single value');
  return parts[1] ?? '';
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

function checkPublicJwk(jwk: JWK, index: number): void {
  if (jwk.kty === 'oct' || 'k' in jwk)
    throw new TypeError(`jwks.keys[${index}] is a symmetric key; verification needs public keys`);
  if ('d' in jwk)
    throw new TypeError(`jwks.keys[${index}] contains private key material; configure the public key only`);
}

function keyResolver(source: JwksSource): JWTVerifyGetKey {
  if ('keys' in source) {
    source.keys.forEach(checkPublicJwk);
    return createLocalJWKSet({ keys: source.keys.map((jwk) => ({ ...jwk })) });
  }
  const url = new URL(source.url);
  if (
    url.protocol !== 'https:' &&
    !(url.protocol === 'http:' && (isLoopback(url.hostname) || source.allowInsecureHttp === true))
  ) {
    throw new TypeError(
      'jwks.url must use https (plain http only to a loopback host or with allowInsecureHttp)',
    );
  }
  const remote = createRemoteJWKSet(url, {
    cacheMaxAge: source.cacheMaxAgeMs ?? 10 * 60_000,
    cooldownDuration: source.cooldownMs ?? 30_000,
    timeoutDuration: source.timeoutMs ?? 5_000,
  });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      // key selection failures are the token's problem; everything else (network, HTTP status,
      // a malformed set) is the issuer's and must not read as "your token is bad"
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
        throw error;
      throw new AuthError('issuer_unavailable', "the issuer's signing keys could not be fetched", {
        cause: error,
      });
    }
  };
}

/**
 * A key set may hold several keys that fit a token without `kid` (e.g. during rotation); jose then
 * hands back the candidates and the first whose signature verifies wins.
 */
async function verifyWithCandidates(
  token: string,
  getKey: JWTVerifyGetKey,
  options: JWTVerifyOptions,
): Promise<JWTPayload> {
  try {
    return (await jwtVerify(token, getKey, options)).payload;
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    const candidates: AsyncIterable<CryptoKey> = error;
    for await (const key of candidates) {
      try {
        return (await jwtVerify(token, key, options)).payload;
      } catch (inner) {
        if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

/** Translates jose's errors into stable codes; messages are ours, so no claim value leaks. */
function toAuthError(error: unknown): unknown {
  if (error instanceof AuthError) return error;
  if (error instanceof errors.JWTExpired) return new AuthError('token_expired', 'the token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
        return new AuthError('token_wrong_issuer', 'the token was not issued by the configured issuer');
      case 'aud':
        return new AuthError('token_wrong_audience', 'the token is not meant for this audience');
      case 'nbf':
        return new AuthError('token_claims_invalid', 'the token is not valid yet (nbf)');
      default:
        return new AuthError('token_claims_invalid', `token claim ${error.claim} missing or invalid`);
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return new AuthError('token_alg_not_allowed', 'the token algorithm is not allowed');
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
    return new AuthError(
      'token_invalid_signature',
      'the token signature does not verify with any trusted key',
    );
  }
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported
  ) {
    return new AuthError('token_malformed', 'the token is not a well-formed signed JWT');
  }
  return error;
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  if (options.issuer.length === 0) throw new TypeError('issuer is required');
  const audience = typeof options.audience === 'string' ? [options.audience] : [...options.audience];
  if (audience.length === 0 || audience.some((a) => a.length === 0))
    throw new TypeError('audience is required');
  const algorithms: readonly string[] = options.algorithms ?? ASYMMETRIC_ALGORITHMS;
  const allowed = new Set<string>(ASYMMETRIC_ALGORITHMS);
  for (const alg of algorithms) {
    // the type forbids it, but config may arrive untyped: a symmetric algorithm here would let
    // anyone who knows the public key forge tokens
    if (!allowed.has(alg)) throw new TypeError(`algorithm ${alg} is not an asymmetric signature algorithm`);
  }
  if (algorithms.length === 0) throw new TypeError('at least one algorithm is required');
  const tolerance = options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
  if (!Number.isFinite(tolerance) || tolerance < 0)
    throw new TypeError('clockToleranceSec must be a non-negative number');
  const now = options.now ?? (() => new Date());
  const getKey = keyResolver(options.jwks);

  return {
    async verify(input) {
      const token = extractToken(input);
      if (token.length > MAX_TOKEN_LENGTH) throw new AuthError('token_malformed', 'the token is too long');
      try {
        let alg: unknown;
        try {
          alg = decodeProtectedHeader(token).alg;
        } catch {
          throw new AuthError('token_malformed', 'the token is not a well-formed signed JWT');
        }
        if (typeof alg !== 'string' || !algorithms.includes(alg)) {
          throw new AuthError('token_alg_not_allowed', 'the token algorithm is not allowed');
        }
        const currentDate = now();
        const payload = await verifyWithCandidates(token, getKey, {
          issuer: options.issuer,
          audience,
          algorithms: [...algorithms],
          clockTolerance: tolerance,
          currentDate,
          requiredClaims: ['exp', 'sub'],
        });
        // jose checks `iat` only together with a maximum age; a token issued in the future means a
        // broken or hostile issuer clock
        if (typeof payload.iat === 'number' && payload.iat > currentDate.getTime() / 1000 + tolerance) {
          throw new AuthError('token_claims_invalid', 'the token is not valid yet (iat)');
        }
        return principalFromClaims(payload);
      } catch (error) {
        throw toAuthError(error);
      }
    },
  };
}
