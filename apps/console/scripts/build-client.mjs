#!/usr/bin/env node
// Builds the browser app (run from apps/console after tools/build/bundle.mjs built the server):
// src/client/main.tsx → dist/apps/console/public/assets/app-<hash>.js, the stylesheet as
// styles-<hash>.css, and index.html pointing at both. Hashed names let the server mark assets
// immutable while index.html is never cached, so a deploy is picked up on the next load.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

const appDir = process.cwd();
const root = path.resolve(appDir, '../..');
const publicDir = path.join(root, 'dist', 'apps', 'console', 'public');
const assets = path.join(publicDir, 'assets');

await rm(publicDir, { recursive: true, force: true });
await mkdir(assets, { recursive: true });

const result = await build({
  entryPoints: { app: path.join(appDir, 'src/client/main.tsx') },
  outdir: assets,
  entryNames: '[name]-[hash]',
  bundle: true,
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  format: 'esm',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  define: { 'process.env.NODE_ENV': '"production"' },
});
const script = Object.keys(result.metafile.outputs)
  .map((file) => path.basename(file))
  .find((file) => file.startsWith('app-') && file.endsWith('.js'));
if (!script) throw new Error('esbuild produced no app bundle');

const css = await readFile(path.join(appDir, 'src/client/static/styles.css'));
const styles = `styles-${createHash('sha256').update(css).digest('hex').slice(0, 10)}.css`;
await writeFile(path.join(assets, styles), css);

const html = (await readFile(path.join(appDir, 'src/client/static/index.html'), 'utf8'))
  .replace('{{STYLES}}', styles)
  .replace('{{SCRIPT}}', script);
await writeFile(path.join(publicDir, 'index.html'), html);
