// The console server as a process, from the bundle that ships (dist/apps/console/main.js, built
// here first): serves the site it is pointed at, drains on SIGTERM; a missing api URL or a missing
// build is one line on stderr and exit 1.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAppBundle, freePort, runToExit, startProcess } from '@careline/testing';
import { beforeAll, describe, expect, it } from 'vitest';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const bundle = fileURLToPath(new URL('../../../dist/apps/console/main.js', import.meta.url));
const mainArgs = ['--enable-source-maps', bundle];
const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };

let site: string;

beforeAll(async () => {
  await buildAppBundle('console');
  site = await mkdtemp(path.join(tmpdir(), 'console-proc-'));
  await mkdir(path.join(site, 'assets'));
  await writeFile(path.join(site, 'index.html'), '<!doctype html><title>console</title>');
}, 120_000);

describe('console process', () => {
  it('refuses to start without the api URL, in one line naming the variable', async () => {
    const { code, stderr } = await runToExit(process.execPath, mainArgs, {
      cwd: appDir,
      env: { ...baseEnv, CONSOLE_PUBLIC_DIR: site },
    });
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^console: invalid configuration: .*CONSOLE_API_URL/);
  });

  it('refuses to start without a built site, saying how to build it', async () => {
    const { code, stderr } = await runToExit(process.execPath, mainArgs, {
      cwd: appDir,
      env: {
        ...baseEnv,
        CONSOLE_API_URL: 'http://127.0.0.1:8080',
        CONSOLE_PUBLIC_DIR: path.join(site, 'missing'),
        HTTP_PORT: '0',
      },
    });
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(
      /^console: no built console in .* \(run `npm run build -w @careline\/console`\)$/,
    );
  });

  it('serves the site and its config, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const app = await startProcess({
      name: 'console',
      command: process.execPath,
      args: mainArgs,
      cwd: appDir,
      env: {
        CONSOLE_API_URL: 'https://api.hospital.example',
        CONSOLE_PUBLIC_DIR: site,
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(port),
      },
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    });
    try {
      const index = await fetch(`http://127.0.0.1:${port}/`);
      expect(index.status).toBe(200);
      expect(await index.text()).toContain('<title>console</title>');
      expect(index.headers.get('content-security-policy')).toContain(
        "connect-src 'self' https://api.hospital.example wss://api.hospital.example",
      );
      expect(await (await fetch(`http://127.0.0.1:${port}/config.json`)).json()).toMatchObject({
        apiUrl: 'https://api.hospital.example',
      });
    } finally {
      expect(await app.stop()).toBe(0);
    }
  });
});
