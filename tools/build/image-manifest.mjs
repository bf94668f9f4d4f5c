// The container image of an app holds its bundle plus the third-party packages the bundle leaves
// external. This writes, next to the bundle, a package.json naming exactly those packages at the
// versions installed here (the ones the tests ran with) and a package-lock.json that is the subset
// of the root lockfile they need, so that `npm ci --omit=dev` in the image reproduces this
// node_modules, transitive dependencies included, and nothing more (no dev tools, no other app's
// packages). deploy/docker/Dockerfile consumes both; tools/deploy-check checks them.
import { readFile, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';

const BUILTINS = new Set(builtinModules);

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`; a Node builtin → undefined. */
export function packageNameOf(specifier) {
  if (specifier.startsWith('node:') || BUILTINS.has(specifier) || BUILTINS.has(specifier.split('/')[0])) {
    return undefined;
  }
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The directory a lockfile key lives in, walking up as Node's resolver does. */
function* ancestors(location) {
  let current = location;
  while (true) {
    yield current;
    if (current === '') return;
    const slash = current.lastIndexOf('/');
    current = slash === -1 ? '' : current.slice(0, slash);
  }
}

/** Where Node would find `name` from a package at `location` (a root-lockfile key), if anywhere. */
export function resolveInLock(packages, location, name) {
  for (const dir of ancestors(location)) {
    const key = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (packages[key] !== undefined && !packages[key].link) return key;
  }
  return undefined;
}

/** `apps/api/node_modules/ajv` → `node_modules/ajv`: in the image the app's folder is the root. */
function imageKey(lockKey) {
  const first = lockKey.indexOf('node_modules/');
  return lockKey.slice(first);
}

/**
 * The lockfile entries reachable from `roots` (lockfile keys), keyed as in the image. A package
 * reached only through optional dependencies is marked optional, as npm does; dev flags of the
 * workspace lockfile do not apply to the image and are dropped.
 */
export function lockSubset(packages, roots) {
  const reach = (followOptional) => {
    const seen = new Set();
    const queue = [...roots];
    while (queue.length > 0) {
      const key = queue.shift();
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = packages[key];
      const edges = [
        ...Object.keys(entry.dependencies ?? {}).map((name) => [name, false]),
        ...Object.keys(entry.peerDependencies ?? {}).map((name) => [
          name,
          entry.peerDependenciesMeta?.[name]?.optional === true,
        ]),
        ...Object.keys(entry.optionalDependencies ?? {}).map((name) => [name, true]),
      ];
      for (const [name, isOptional] of edges) {
        if (isOptional && !followOptional) continue;
        const found = resolveInLock(packages, key, name);
        if (found === undefined) {
          // an optional package npm skipped here (another platform's binary, an optional peer)
          if (isOptional) continue;
          throw new Error(`${key} needs ${name}, which the root lockfile does not resolve from there`);
        }
        queue.push(found);
      }
    }
    return seen;
  };
  const required = reach(false);
  const all = reach(true);
  const subset = {};
  for (const key of [...all].sort()) {
    const target = imageKey(key);
    if (subset[target] !== undefined) {
      throw new Error(`two versions of ${target} would meet at the image root (${key})`);
    }
    const { dev: _dev, devOptional: _devOptional, optional: _optional, peer: _peer, ...entry } = packages[key];
    subset[target] = required.has(key) ? entry : { ...entry, optional: true };
  }
  return subset;
}

/**
 * The bare imports the bundle leaves external, with the workspace project each is imported from
 * (a package resolves from its importer's folder first, then the root).
 */
export function externalImports(metafile, root, workingDir) {
  const found = new Map();
  for (const [input, info] of Object.entries(metafile.inputs)) {
    for (const imported of info.imports) {
      if (!imported.external) continue;
      const name = packageNameOf(imported.path);
      if (name === undefined) continue;
      const projectDir = /^(?:\.\.\/)*((?:apps|libs|tools)\/[^/]+)\//.exec(
        path.relative(root, path.resolve(workingDir, input)),
      )?.[1];
      const importers = found.get(name) ?? new Set();
      importers.add(projectDir ?? '');
      found.set(name, importers);
    }
  }
  return found;
}

export async function writeImageManifest({ root, appDir, appName, outdir, metafile }) {
  const lock = JSON.parse(await readFile(path.join(root, 'package-lock.json'), 'utf8'));
  const rootPackage = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  const roots = [];
  const dependencies = {};
  for (const [name, importers] of [...externalImports(metafile, root, appDir)].sort(([a], [b]) => a.localeCompare(b))) {
    const keys = new Set([...importers].map((dir) => resolveInLock(lock.packages, dir, name)));
    if (keys.has(undefined)) throw new Error(`${appName} imports ${name}, which is not installed (npm install)`);
    if (keys.size > 1) throw new Error(`${appName} imports two versions of ${name}: ${[...keys].join(', ')}`);
    const [key] = keys;
    roots.push(key);
    dependencies[name] = lock.packages[key].version;
  }
  const name = `careline-${appName}`;
  const manifest = {
    name,
    version: rootPackage.version,
    private: true,
    type: 'module',
    main: 'main.js',
    description: `The ${appName} bundle's runtime dependencies (generated by tools/build; do not edit).`,
    dependencies,
  };
  const imageLock = {
    name,
    version: rootPackage.version,
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name, version: rootPackage.version, dependencies },
      ...lockSubset(lock.packages, roots),
    },
  };
  await writeFile(path.join(outdir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(path.join(outdir, 'package-lock.json'), `${JSON.stringify(imageLock, null, 2)}\n`);
}
