import { randomUUID } from 'node:crypto';
import {
  CompactSign,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTHeaderParameters,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLAIMS } from './claims';
import { createDevIssuer, type DevIssuer } from './dev-issuer';
import { AuthError, type AuthErrorCode } from './errors';
import { createTokenVerifier, type AsymmetricAlgorithm, type TokenVerifier } from './verifier';

const ISSUER = 'https://auth.careline.test';
const AUDIENCE = 'careline-api';
const TENANT = randomUUID();

let dev: DevIssuer;
let devKey: CryptoKey;
let devPublicJwk: JWK;
let otherKey: CryptoKey;
let otherPublicJwk: JWK;
let verifier: TokenVerifier;

beforeAll(async () => {
  dev = await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE });
  devKey = (await importJWK(dev.exportPrivateJwk(), 'ES256')) as CryptoKey;
  devPublicJwk = dev.publicJwks().keys[0]!;
  const other = await generateKeyPair('ES256');
  otherKey = other.privateKey;
  otherPublicJwk = await exportJWK(other.publicKey);
  verifier = createTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: { keys: dev.publicJwks().keys },
  });
});

const nowSec = (): number => Math.floor(Date.now() / 1000);

/** A complete, valid claim set; `undefined` in overrides removes a claim. */
function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'staff-1',
    iat: nowSec(),
    exp: nowSec() + 600,
    jti: randomUUID(),
    [CLAIMS.tenant]: TENANT,
    [CLAIMS.roles]: ['nurse'],
  };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete base[name];
    else base[name] = value;
  }
  return base;
}

function sign(
  payload: Record<string, unknown>,
  options: { key?: CryptoKey | Uint8Array; header?: JWTHeaderParameters } = {},
): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader(options.header ?? { alg: 'ES256', kid: dev.kid, typ: 'JWT' })
    .sign(options.key ?? devKey);
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Expects a refusal with `code`, and checks that no part of the token leaks into the error. */
async function expectRefusal(
  input: string | undefined,
  code: AuthErrorCode,
  using: TokenVerifier = verifier,
): Promise<void> {
  const error = await using.verify(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthError);
  const authError = error as AuthError;
  expect(authError.code).toBe(code);
  expect(authError.cause).toBeUndefined();
  for (const part of (input ?? '').replace(/^bearer\s+/i, '').split('.')) {
    if (part.length >= 8) {
      expect(authError.message).not.toContain(part);
      expect(authError.stack ?? '').not.toContain(part);
    }
  }
}

describe('a valid token', () => {
  it('gives the principal from a Bearer header', async () => {
    const jti = randomUUID();
    const exp = nowSec() + 300;
    const token = await sign(
      claims({ jti, exp, name: 'Dr. Staff', [CLAIMS.roles]: ['clinician', 'nurse', 'clinician'] }),
    );
    const principal = await verifier.verify(`Bearer ${token}`);
    expect(principal).toEqual({
      subject: 'staff-1',
      tenantId: TENANT,
      roles: ['clinician', 'nurse'],
      name: 'Dr. Staff',
      tokenId: jti,
      expiresAt: new Date(exp * 1000),
    });
  });

  it('accepts the bare token and a lowercase scheme', async () => {
    const token = await sign(claims());
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'staff-1' });
    await expect(verifier.verify(`bearer   ${token} `)).resolves.toMatchObject({ subject: 'staff-1' });
  });

  it('normalises the tenant id to lowercase', async () => {
    const token = await sign(claims({ [CLAIMS.tenant]: TENANT.toUpperCase() }));
    expect((await verifier.verify(token)).tenantId).toBe(TENANT);
  });

  it('accepts an audience list that contains ours, and one of several configured audiences', async () => {
    await expect(
      verifier.verify(await sign(claims({ aud: ['other-api', AUDIENCE] }))),
    ).resolves.toBeDefined();
    const multi = createTokenVerifier({
      issuer: ISSUER,
      audience: ['console', 'integrations'],
      jwks: { keys: dev.publicJwks().keys },
    });
    await expect(multi.verify(await sign(claims({ aud: 'integrations' })))).resolves.toBeDefined();
  });

  it('accepts a token that expired within the clock tolerance, and refuses it without tolerance', async () => {
    const token = await sign(claims({ iat: nowSec() - 100, exp: nowSec() - 10 }));
    await expect(verifier.verify(token)).resolves.toBeDefined();
    const strict = createTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: dev.publicJwks().keys },
      clockToleranceSec: 0,
    });
    await expectRefusal(token, 'token_expired', strict);
  });

  it('finds the right key when several match a token without kid', async () => {
    const { kid: _kid, ...devNoKid } = devPublicJwk;
    const rotating = createTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [otherPublicJwk, devNoKid] },
    });
    await expect(rotating.verify(await sign(claims(), { header: { alg: 'ES256' } }))).resolves.toBeDefined();
    const third = (await generateKeyPair('ES256')).privateKey;
    await expectRefusal(
      await sign(claims(), { key: third, header: { alg: 'ES256' } }),
      'token_invalid_signature',
      rotating,
    );
  });
});

describe('refusals', () => {
  it('token_missing: no header, empty header, scheme without token', async () => {
    await expectRefusal(undefined, 'token_missing');
    await expectRefusal('', 'token_missing');
    await expectRefusal('   ', 'token_missing');
    await expectRefusal('Bearer ', 'token_missing');
    await expect(verifier.verify(null)).rejects.toMatchObject({ code: 'token_missing' });
  });

  it('token_malformed: not a JWT, another scheme, garbage segments, oversized', async () => {
    const token = await sign(claims());
    await expectRefusal('not-a-jwt', 'token_malformed');
    await expectRefusal('aaaa.bbbb.cccc', 'token_malformed');
    await expectRefusal(
      `${Buffer.from('not json').toString('base64url')}.${b64(claims())}.c2ln`,
      'token_malformed',
    );
    await expectRefusal(`Basic ${Buffer.from('user:pass').toString('base64')}`, 'token_malformed');
    await expectRefusal(`Bearer ${token} extra`, 'token_malformed');
    await expectRefusal(`${token.split('.').slice(0, 2).join('.')}`, 'token_malformed');
    await expectRefusal('x'.repeat(20_000), 'token_malformed');
    // a valid signature over a payload that is not a JSON object
    const notObject = await new CompactSign(new TextEncoder().encode('[1,2]'))
      .setProtectedHeader({ alg: 'ES256', kid: dev.kid })
      .sign(devKey);
    await expectRefusal(notObject, 'token_malformed');
  });

  it('token_expired', async () => {
    const past = new Date(Date.now() - 2 * 3600_000);
    const oldIssuer = await createDevIssuer({
      issuer: ISSUER,
      audience: AUDIENCE,
      privateJwk: dev.exportPrivateJwk(),
      now: () => past,
    });
    await expectRefusal(
      await oldIssuer.mint({ subject: 's', tenantId: TENANT, roles: ['nurse'], ttlSeconds: 3600 }),
      'token_expired',
    );
    await expectRefusal(await sign(claims({ exp: nowSec() - 120 })), 'token_expired');
  });

  it('token_expired by the verifier clock', async () => {
    const later = createTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: dev.publicJwks().keys },
      now: () => new Date(Date.now() + 3600_000),
    });
    await expectRefusal(await sign(claims({ exp: nowSec() + 600 })), 'token_expired', later);
  });

  it('token_claims_invalid: not yet valid (nbf or iat in the future)', async () => {
    await expectRefusal(await sign(claims({ nbf: nowSec() + 300 })), 'token_claims_invalid');
    await expectRefusal(await sign(claims({ iat: nowSec() + 300 })), 'token_claims_invalid');
  });

  it('token_invalid_signature: tampered payload, foreign key with our kid, unknown kid', async () => {
    const [header, , signature] = (await sign(claims())).split('.');
    const forged = b64(claims({ [CLAIMS.roles]: ['admin'] }));
    await expectRefusal(`${header}.${forged}.${signature}`, 'token_invalid_signature');
    await expectRefusal(await sign(claims(), { key: otherKey }), 'token_invalid_signature');
    await expectRefusal(
      await sign(claims(), { key: otherKey, header: { alg: 'ES256', kid: 'unknown-key' } }),
      'token_invalid_signature',
    );
    await expectRefusal(
      await sign(claims(), { key: otherKey, header: { alg: 'ES256' } }),
      'token_invalid_signature',
    );
  });

  it('token_wrong_issuer', async () => {
    await expectRefusal(await sign(claims({ iss: 'https://evil.example' })), 'token_wrong_issuer');
    await expectRefusal(await sign(claims({ iss: `${ISSUER}/` })), 'token_wrong_issuer');
    await expectRefusal(await sign(claims({ iss: undefined })), 'token_wrong_issuer');
  });

  it('token_wrong_audience', async () => {
    await expectRefusal(await sign(claims({ aud: 'another-api' })), 'token_wrong_audience');
    await expectRefusal(await sign(claims({ aud: undefined })), 'token_wrong_audience');
  });

  it('token_alg_not_allowed: alg none, in any spelling, signed or not', async () => {
    for (const alg of ['none', 'None', 'NONE']) {
      await expectRefusal(`${b64({ alg, typ: 'JWT' })}.${b64(claims())}.`, 'token_alg_not_allowed');
    }
    const [, , signature] = (await sign(claims())).split('.');
    await expectRefusal(`${b64({ alg: 'none' })}.${b64(claims())}.${signature}`, 'token_alg_not_allowed');
    await expectRefusal(`${b64({ typ: 'JWT' })}.${b64(claims())}.`, 'token_alg_not_allowed');
  });

  it('token_alg_not_allowed: HS256 signed with the public key (algorithm confusion)', async () => {
    const publicKey = (await importJWK(devPublicJwk, 'ES256')) as CryptoKey;
    const secrets = [
      JSON.stringify(devPublicJwk),
      JSON.stringify({ keys: [devPublicJwk] }),
      await exportSPKI(publicKey),
    ];
    for (const secret of secrets) {
      for (const alg of ['HS256', 'HS384', 'HS512']) {
        const token = await sign(claims(), {
          key: new TextEncoder().encode(secret),
          header: { alg, kid: dev.kid },
        });
        await expectRefusal(token, 'token_alg_not_allowed');
      }
    }
  });

  it('token_alg_not_allowed: an asymmetric algorithm outside the configured list', async () => {
    const onlyRsa = createTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: dev.publicJwks().keys },
      algorithms: ['RS256'],
    });
    await expectRefusal(await sign(claims()), 'token_alg_not_allowed', onlyRsa);
  });

  it.each([
    ['no tenant', { [CLAIMS.tenant]: undefined }],
    ['a tenant that is not a uuid', { [CLAIMS.tenant]: 'st-marys' }],
    ['the short tid claim instead of ours', { [CLAIMS.tenant]: undefined, tid: TENANT }],
    ['an unknown role', { [CLAIMS.roles]: ['nurse', 'superuser'] }],
    ['no roles', { [CLAIMS.roles]: undefined }],
    ['an empty role list', { [CLAIMS.roles]: [] }],
    ['roles as a string', { [CLAIMS.roles]: 'nurse' }],
    ['the short roles claim instead of ours', { [CLAIMS.roles]: undefined, roles: ['nurse'] }],
    ['no subject', { sub: undefined }],
    ['an empty subject', { sub: '' }],
    ['no expiry', { exp: undefined }],
    ['an expiry that is not a number', { exp: 'tomorrow' }],
  ])('token_claims_invalid: %s', async (_label, overrides) => {
    await expectRefusal(await sign(claims(overrides)), 'token_claims_invalid');
  });

  it('names the failing claim but not its value', async () => {
    const error = await verifier
      .verify(await sign(claims({ [CLAIMS.roles]: ['superuser'] })))
      .catch((e: unknown) => e);
    expect((error as AuthError).message).toContain(CLAIMS.roles);
    expect((error as AuthError).message).not.toContain('superuser');
  });
});

describe('configuration', () => {
  const keys = (): JWK[] => dev.publicJwks().keys;

  it('refuses symmetric algorithms and none', () => {
    for (const alg of ['HS256', 'none']) {
      expect(() =>
        createTokenVerifier({
          issuer: ISSUER,
          audience: AUDIENCE,
          jwks: { keys: keys() },
          algorithms: [alg as AsymmetricAlgorithm],
        }),
      ).toThrow(TypeError);
    }
  });

  it('refuses private or symmetric keys in the key set', () => {
    expect(() =>
      createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [dev.exportPrivateJwk()] } }),
    ).toThrow(/private/);
    expect(() =>
      createTokenVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] },
      }),
    ).toThrow(/symmetric/);
  });

  it('requires https for a remote key set, except on loopback or when allowed', () => {
    const make = (url: string, allowInsecureHttp?: boolean) => () =>
      createTokenVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwks: { url, ...(allowInsecureHttp ? { allowInsecureHttp } : {}) },
      });
    expect(make('http://idp.example/jwks')).toThrow(/https/);
    expect(make('https://idp.example/jwks')).not.toThrow();
    expect(make('http://127.0.0.1:9000/jwks')).not.toThrow();
    expect(make('http://localhost:9000/jwks')).not.toThrow();
    expect(make('http://keycloak.auth.svc/jwks', true)).not.toThrow();
  });

  it('requires issuer and audience', () => {
    expect(() => createTokenVerifier({ issuer: '', audience: AUDIENCE, jwks: { keys: keys() } })).toThrow(
      TypeError,
    );
    expect(() => createTokenVerifier({ issuer: ISSUER, audience: [], jwks: { keys: keys() } })).toThrow(
      TypeError,
    );
  });
});
