// The console server in-process (fastify inject): what the browser gets and with which headers.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ConfigError, loadConfig } from '@careline/runtime';
import { captureLogger } from '@careline/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app';
import { configSchema } from './config';
import { SiteMissingError, loadSite } from './server/static-site';

let dir: string;
let app: ReturnType<typeof buildApp>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'console-site-'));
  await mkdir(path.join(dir, 'assets'));
  await writeFile(
    path.join(dir, 'index.html'),
    '<!doctype html><script type="module" src="/assets/app-ABC.js"></script>',
  );
  await writeFile(path.join(dir, 'assets', 'app-ABC.js'), 'console.log(1)');
  await writeFile(path.join(dir, 'assets', 'styles-123.css'), 'body{}');
  const config = loadConfig(configSchema, {
    CONSOLE_API_URL: 'https://api.hospital.example/',
    HTTP_PORT: '0',
    CONSOLE_IDLE_MINUTES: '20',
  });
  app = buildApp(config, { logger: captureLogger().logger, site: await loadSite(dir) });
  await app.http.app.ready();
});

afterAll(async () => {
  await app.http.app.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the console server', () => {
  it('serves index.html uncached with a strict CSP that allows only itself and the api', async () => {
    const response = await app.http.app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-cache');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' https://api.hospital.example wss://api.hospital.example");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
  });

  it('serves hashed assets as immutable with their type, and 404 for anything else', async () => {
    const js = await app.http.app.inject({ method: 'GET', url: '/assets/app-ABC.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(
      (await app.http.app.inject({ method: 'GET', url: '/assets/styles-123.css' })).headers['content-type'],
    ).toBe('text/css; charset=utf-8');
    expect((await app.http.app.inject({ method: 'GET', url: '/assets/nope.js' })).statusCode).toBe(404);
    expect((await app.http.app.inject({ method: 'GET', url: '/assets/..%2Findex.html' })).statusCode).toBe(
      404,
    );
  });

  it('sends text gzipped to browsers that take it, and plain to those that do not', async () => {
    const gzipped = await app.http.app.inject({
      method: 'GET',
      url: '/assets/app-ABC.js',
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.rawPayload).toString()).toBe('console.log(1)');
    expect(gzipped.headers['vary']).toBe('accept-encoding');
    const plain = await app.http.app.inject({
      method: 'GET',
      url: '/assets/app-ABC.js',
      headers: { 'accept-encoding': 'identity' },
    });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe('console.log(1)');
  });

  it('tells the browser where the api is, never cached', async () => {
    const response = await app.http.app.inject({ method: 'GET', url: '/config.json' });
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toEqual({
      apiUrl: 'https://api.hospital.example',
      idleMinutes: 20,
      devSignIn: false,
      devTenantId: null,
    });
  });

  it('answers health, readiness and metrics like every app', async () => {
    expect((await app.http.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.http.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect((await app.http.app.inject({ method: 'GET', url: '/metrics' })).body).toContain(
      'http_request_duration_seconds',
    );
  });
});

describe('configuration', () => {
  it('requires the api URL, defaults to port 8087 and 15 idle minutes, dev sign-in off', () => {
    expect(() => loadConfig(configSchema, {})).toThrow(ConfigError);
    expect(() => loadConfig(configSchema, {})).toThrow(/CONSOLE_API_URL/);
    const config = loadConfig(configSchema, { CONSOLE_API_URL: 'http://127.0.0.1:8080' });
    expect(config).toMatchObject({ HTTP_PORT: 8087, CONSOLE_IDLE_MINUTES: 15, CONSOLE_DEV_SIGN_IN: false });
    expect(() => loadConfig(configSchema, { CONSOLE_API_URL: 'ftp://x' })).toThrow(/CONSOLE_API_URL/);
    expect(() =>
      loadConfig(configSchema, { CONSOLE_API_URL: 'http://x', CONSOLE_IDLE_MINUTES: '0' }),
    ).toThrow(/CONSOLE_IDLE_MINUTES/);
  });

  it('fails the start with a clear line when the site was not built', async () => {
    await expect(loadSite(path.join(os.tmpdir(), 'no-such-console-build'))).rejects.toThrow(SiteMissingError);
    await expect(loadSite(path.join(os.tmpdir(), 'no-such-console-build'))).rejects.toThrow(
      /npm run build -w @careline\/console/,
    );
  });
});
