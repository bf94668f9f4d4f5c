#!/usr/bin/env node
// Bundles an app (run from the app's folder, e.g. `npm run build -w @careline/gateway`) into
// dist/apps/<app>/main.js. Workspace libraries export TypeScript source, so they are bundled
// in; third-party packages stay external and come from node_modules (`npm ci --omit=dev` in the
// image). The tests start exactly this file, so what runs in CI is what ships.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeImageManifest } from './image-manifest.mjs';

const appDir = process.cwd();
const appName = path.basename(appDir);
const root = path.resolve(appDir, '../..');
const outdir = path.join(root, 'dist', 'apps', appName);

/** `import sql from './0001_init.sql?raw'` works in vitest (vite) and here alike. */
const rawPlugin = {
  name: 'raw',
  setup(b) {
    b.onResolve({ filter: /\?raw$/ }, (args) => ({
      path: path.resolve(args.resolveDir, args.path.slice(0, -'?raw'.length)),
      namespace: 'raw',
    }));
    b.onLoad({ filter: /.*/, namespace: 'raw' }, async (args) => ({
      contents: await readFile(args.path, 'utf8'),
      loader: 'text',
    }));
  },
};

/** Bundle @careline/* (TypeScript source), keep every other bare import external. */
const externalPlugin = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@careline/') || args.namespace === 'raw') return undefined;
      return { path: args.path, external: true };
    });
  },
};

const result = await build({
  entryPoints: { main: path.join(appDir, 'src/main.ts') },
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [rawPlugin, externalPlugin],
  // which third-party packages the bundle imports, and from where: for the image's package.json
  metafile: true,
  banner: {
    // some CommonJS dependencies call require(); give the ESM bundle one
    js: "import { createRequire as __careline_createRequire } from 'node:module'; const require = __careline_createRequire(import.meta.url);",
  },
});

// The image installs exactly the external packages this bundle imports, at the versions the tests
// ran with (dist/apps/<app>/package.json + package-lock.json, see image-manifest.mjs).
await writeImageManifest({ root, appDir, appName, outdir, metafile: result.metafile });
