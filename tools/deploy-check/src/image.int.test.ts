// The images, without a Docker engine: the Dockerfile's properties, and the generated
// package.json/package-lock.json next to each bundle (what `npm ci` installs in the image) cover
// every package the bundle imports.
import { readFile } from 'node:fs/promises';
import { buildAppBundle } from '@careline/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { appsInRepo } from './coverage';
import { parseDockerfile, resolveFrom } from './dockerfile';
import { REPO_ROOT } from './toolchain';

const dockerfile = parseDockerfile(await readFile(`${REPO_ROOT}deploy/docker/Dockerfile`, 'utf8'));

describe('deploy/docker/Dockerfile', () => {
  it('is multi-stage, with a distroless runtime stage that runs as a numeric non-root user', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    const runtime = dockerfile.stages.at(-1)!;
    expect(resolveFrom(dockerfile, runtime.from)).toMatch(/^gcr\.io\/distroless\/nodejs20-debian\d+:nonroot$/);
    const users = runtime.instructions.filter((entry) => entry.keyword === 'USER');
    expect(users.at(-1)?.args).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    // no shell needed at run time: exec form only
    expect(runtime.instructions.filter((entry) => entry.keyword === 'RUN')).toEqual([]);
    expect(runtime.instructions.find((entry) => entry.keyword === 'CMD')?.args).toMatch(/^\[/);
  });

  it('installs only production dependencies, from the generated lockfile, without install scripts', () => {
    const deps = dockerfile.stages[0]!;
    expect(resolveFrom(dockerfile, deps.from)).toMatch(/^node:20[.-]/);
    const copy = deps.instructions.find((entry) => entry.keyword === 'COPY');
    expect(copy?.args).toBe('dist/apps/${APP}/package.json dist/apps/${APP}/package-lock.json ./');
    const run = deps.instructions.find((entry) => entry.keyword === 'RUN')?.args ?? '';
    expect(run).toMatch(/npm ci --omit=dev --ignore-scripts/);
  });

  it('ships exactly the bundle directory the tests run', () => {
    const runtime = dockerfile.stages.at(-1)!;
    const copies = runtime.instructions.filter((entry) => entry.keyword === 'COPY').map((entry) => entry.args);
    expect(copies).toContain('--chown=0:0 dist/apps/${APP}/ ./');
    expect(copies.filter((args) => !args.includes('--from=') && !args.includes('dist/apps/${APP}/'))).toEqual([]);
  });
});

// esbuild writes every external import as a top-level statement (`import … from "x";`, possibly
// over several lines) and keeps CommonJS `require("x")` calls; both with double quotes.
const STATIC_IMPORT = /^import\s+(?:[^;"']*?\s+from\s+)?"([^"]+)";/gm;
const DYNAMIC_IMPORT = /\b(?:import|require)\("([^"]+)"\)/g;
const BUILTIN = /^(node:|(assert|buffer|child_process|crypto|dns|events|fs|http|http2|https|module|net|os|path|perf_hooks|process|querystring|readline|stream|string_decoder|timers|tls|tty|url|util|v8|vm|worker_threads|zlib|async_hooks|diagnostics_channel)(\/|$))/;

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

interface Lock {
  packages: Record<string, { version?: string; dependencies?: Record<string, string>; optional?: boolean; dev?: boolean }>;
}

/** Node's lookup: `<dir>/node_modules/<name>` from the package's own folder up to the root. */
function resolve(lock: Lock, from: string, name: string): string | undefined {
  const segments = from.split('/');
  for (let end = segments.length; end >= 0; end--) {
    const dir = segments.slice(0, end).join('/');
    const key = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (lock.packages[key] !== undefined) return key;
  }
  return undefined;
}

describe.each(await appsInRepo())('the image manifest of %s', (app) => {
  let bundle: string;
  let manifest: { dependencies: Record<string, string>; devDependencies?: unknown };
  let lock: Lock;

  beforeAll(async () => {
    const main = await buildAppBundle(app);
    bundle = await readFile(main, 'utf8');
    manifest = JSON.parse(await readFile(`${REPO_ROOT}dist/apps/${app}/package.json`, 'utf8')) as typeof manifest;
    lock = JSON.parse(await readFile(`${REPO_ROOT}dist/apps/${app}/package-lock.json`, 'utf8')) as Lock;
  });

  it('names every package the bundle imports, at an exact version, and no dev dependencies', () => {
    const imported = new Set(
      [...bundle.matchAll(STATIC_IMPORT), ...bundle.matchAll(DYNAMIC_IMPORT)]
        .map((match) => match[1]!)
        .filter((specifier) => !specifier.startsWith('.')).filter((specifier) => !BUILTIN.test(specifier)).map(packageName),
    );
    expect(imported.size).toBeGreaterThan(0);
    expect([...imported].filter((name) => manifest.dependencies[name] === undefined)).toEqual([]);
    expect(Object.values(manifest.dependencies).every((version) => /^\d+\.\d+\.\d+/.test(version))).toBe(true);
    expect(manifest.devDependencies).toBeUndefined();
  });

  it('locks a closed set: every dependency of every locked package is locked too, none marked dev', () => {
    const missing: string[] = [];
    for (const [key, entry] of Object.entries(lock.packages)) {
      expect(entry.dev, key).toBeUndefined();
      for (const name of Object.keys(entry.dependencies ?? {})) {
        if (resolve(lock, key, name) === undefined) missing.push(`${key} → ${name}`);
      }
    }
    expect(missing).toEqual([]);
    for (const [name, version] of Object.entries(manifest.dependencies)) {
      expect(lock.packages[`node_modules/${name}`]?.version).toBe(version);
    }
  });
});
