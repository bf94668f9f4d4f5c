// The remote key set against a real HTTP server on loopback (no infrastructure needed): fetched
// once and cached, refetched when a token names a key it has not seen (rotation), and an issuer
// that cannot be reached is reported as such rather than as a bad token.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createDevIssuer, type DevIssuer } from './dev-issuer';
import { AuthError } from './errors';
import { createTokenVerifier, type JwksSource } from './verifier';

const ISSUER = 'https://auth.careline.test';
const AUDIENCE = 'careline-api';
const TENANT = randomUUID();

interface JwksServer {
  url: string;
  fetches: () => number;
  serve: (keys: JWK[]) => void;
  fail: (status: number) => void;
  hang: () => void;
}

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function startJwksServer(initial: JWK[]): Promise<JwksServer> {
  let keys = initial;
  let status = 200;
  let hanging = false;
  let count = 0;
  const server = createServer((request, response) => {
    if (request.url !== '/jwks') {
      response.writeHead(404).end();
      return;
    }
    count += 1;
    if (hanging) return;
    response
      .writeHead(status, { 'content-type': 'application/jwk-set+json' })
      .end(status === 200 ? JSON.stringify({ keys }) : 'no');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks`,
    fetches: () => count,
    serve: (next) => {
      keys = next;
      status = 200;
      hanging = false;
    },
    fail: (next) => {
      status = next;
    },
    hang: () => {
      hanging = true;
    },
  };
}

const mint = (issuer: DevIssuer): Promise<string> =>
  issuer.mint({ subject: 'staff-1', tenantId: TENANT, roles: ['clinician'] });
const verifierFor = (url: string, extra: Partial<Extract<JwksSource, { url: string | URL }>> = {}) =>
  createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: { url, ...extra } });

describe('remote JWKS', () => {
  it('fetches the key set once and serves later tokens from the cache', async () => {
    const issuer = await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const server = await startJwksServer(issuer.publicJwks().keys);
    const verifier = verifierFor(server.url);
    expect(server.fetches()).toBe(0);
    await expect(verifier.verify(`Bearer ${await mint(issuer)}`)).resolves.toMatchObject({
      subject: 'staff-1',
      tenantId: TENANT,
    });
    await expect(verifier.verify(await mint(issuer))).resolves.toBeDefined();
    expect(server.fetches()).toBe(1);
  });

  it('picks up a rotated key when a token names a kid it has not seen', async () => {
    const before = await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const after = await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const server = await startJwksServer(before.publicJwks().keys);
    const verifier = verifierFor(server.url, { cooldownMs: 0 });
    await expect(verifier.verify(await mint(before))).resolves.toBeDefined();

    // rotation: the provider publishes the new key alongside the old, then drops the old one
    server.serve([...after.publicJwks().keys, ...before.publicJwks().keys]);
    await expect(verifier.verify(await mint(after))).resolves.toBeDefined();
    expect(server.fetches()).toBe(2);
    await expect(verifier.verify(await mint(before))).resolves.toBeDefined();
    expect(server.fetches()).toBe(2);

    server.serve(after.publicJwks().keys);
    await expect(verifier.verify(await mint(after))).resolves.toBeDefined();
  });

  it('refetches after the cache age, so a dropped key stops working', async () => {
    const old = await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const next = await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const server = await startJwksServer(old.publicJwks().keys);
    const verifier = verifierFor(server.url, { cacheMaxAgeMs: 0, cooldownMs: 0 });
    await expect(verifier.verify(await mint(old))).resolves.toBeDefined();
    server.serve(next.publicJwks().keys);
    await expect(verifier.verify(await mint(old))).rejects.toMatchObject({ code: 'token_invalid_signature' });
  });

  it('does not refetch for unknown kids within the cooldown', async () => {
    const known = await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const stranger = await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const server = await startJwksServer(known.publicJwks().keys);
    const verifier = verifierFor(server.url, { cooldownMs: 60_000 });
    await verifier.verify(await mint(known));
    for (let i = 0; i < 3; i += 1) {
      await expect(verifier.verify(await mint(stranger))).rejects.toMatchObject({
        code: 'token_invalid_signature',
      });
    }
    expect(server.fetches()).toBe(1);
  });

  it('reports an unreachable, failing or slow issuer as issuer_unavailable, with the cause kept', async () => {
    const issuer = await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const token = await mint(issuer);
    const server = await startJwksServer(issuer.publicJwks().keys);

    server.fail(500);
    const failing = await verifierFor(server.url)
      .verify(token)
      .catch((e: unknown) => e);
    expect(failing).toBeInstanceOf(AuthError);
    expect((failing as AuthError).code).toBe('issuer_unavailable');
    expect((failing as AuthError).cause).toBeDefined();
    expect((failing as AuthError).message).not.toContain(token.split('.')[1]!);

    server.hang();
    await expect(verifierFor(server.url, { timeoutMs: 200 }).verify(token)).rejects.toMatchObject({
      code: 'issuer_unavailable',
    });

    const closed = await startJwksServer([]);
    const url = closed.url;
    const last = servers.pop()!;
    last.closeAllConnections();
    await new Promise<void>((resolve) => last.close(() => resolve()));
    await expect(verifierFor(url).verify(token)).rejects.toMatchObject({ code: 'issuer_unavailable' });
  });

  it('still refuses bad tokens before fetching any key', async () => {
    const issuer = await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const server = await startJwksServer(issuer.publicJwks().keys);
    const verifier = verifierFor(server.url);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`;
    await expect(verifier.verify(none)).rejects.toMatchObject({ code: 'token_alg_not_allowed' });
    await expect(verifier.verify('garbage')).rejects.toMatchObject({ code: 'token_malformed' });
    expect(server.fetches()).toBe(0);
  });
});
