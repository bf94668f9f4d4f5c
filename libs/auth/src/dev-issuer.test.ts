import { randomUUID } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { CLAIMS } from './claims';
import { createDevIssuer } from './dev-issuer';
import { createTokenVerifier } from './verifier';

const ISSUER = 'http://localhost:8080/dev';
const AUDIENCE = 'careline-api';
const TENANT = randomUUID();

describe('dev issuer', () => {
  it('mints ES256 tokens in the claims convention that the verifier accepts', async () => {
    const issuer = await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const token = await issuer.mint({
      subject: 'nurse-7',
      tenantId: TENANT,
      roles: ['nurse'],
      name: 'Nurse Seven',
      ttlSeconds: 120,
    });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: issuer.kid, typ: 'JWT' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'nurse-7',
      name: 'Nurse Seven',
      [CLAIMS.tenant]: TENANT,
      [CLAIMS.roles]: ['nurse'],
    });
    expect(claims.exp! - claims.iat!).toBe(120);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);

    const verifier = createTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: issuer.publicJwks().keys },
    });
    await expect(verifier.verify(token)).resolves.toMatchObject({
      subject: 'nurse-7',
      tenantId: TENANT,
      roles: ['nurse'],
      name: 'Nurse Seven',
    });
  });

  it('gives each token its own id and defaults to one hour', async () => {
    const issuer = await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const a = decodeJwt(await issuer.mint({ subject: 's', tenantId: TENANT, roles: ['admin'] }));
    const b = decodeJwt(await issuer.mint({ subject: 's', tenantId: TENANT, roles: ['admin'] }));
    expect(a.jti).not.toBe(b.jti);
    expect(a.exp! - a.iat!).toBe(3600);
  });

  it('publishes only the public key', async () => {
    const issuer = await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const { keys } = issuer.publicJwks();
    expect(keys).toHaveLength(1);
    const { x, y, ...rest } = keys[0]!;
    expect(rest).toEqual({ kty: 'EC', crv: 'P-256', kid: issuer.kid, alg: 'ES256', use: 'sig' });
    expect(x).toMatch(/^[\w-]{43}$/);
    expect(y).toMatch(/^[\w-]{43}$/);
    expect(issuer.exportPrivateJwk().d).toMatch(/^[\w-]{43}$/);
  });

  it('reloads from an exported private key with the same kid, and tokens verify across both', async () => {
    const first = await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const again = await createDevIssuer({
      issuer: ISSUER,
      audience: AUDIENCE,
      privateJwk: first.exportPrivateJwk(),
    });
    expect(again.kid).toBe(first.kid);
    const verifier = createTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: first.publicJwks().keys },
    });
    await expect(
      verifier.verify(await again.mint({ subject: 's', tenantId: TENANT, roles: ['auditor'] })),
    ).resolves.toBeDefined();
    const fresh = await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE });
    expect(fresh.kid).not.toBe(first.kid);
  });

  it('refuses a private key it cannot use, without echoing it', async () => {
    const rsaLike = { kty: 'RSA', n: 'secret-n', e: 'AQAB', d: 'secret-d' };
    const error = await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE, privateJwk: rsaLike }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).not.toContain('secret');
    const { d: _d, ...publicOnly } = (
      await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE })
    ).exportPrivateJwk();
    await expect(
      createDevIssuer({ issuer: ISSUER, audience: AUDIENCE, privateJwk: publicOnly }),
    ).rejects.toThrow(TypeError);
  });

  it.each([
    ['a tenant that is not a uuid', { tenantId: 'st-marys' }, 'tenantId'],
    ['an unknown role', { roles: ['superuser'] }, 'roles'],
    ['no roles', { roles: [] }, 'roles'],
    ['an empty subject', { subject: '' }, 'subject'],
    ['a lifetime over a day', { ttlSeconds: 86_401 }, 'ttlSeconds'],
  ])('refuses to mint with %s', async (_label, override, field) => {
    const issuer = await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const request = { subject: 's', tenantId: TENANT, roles: ['nurse'], ...override };
    const error = await issuer.mint(request as Parameters<typeof issuer.mint>[0]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'token_claims_invalid' });
    expect((error as Error).message).toContain(field);
  });
});
