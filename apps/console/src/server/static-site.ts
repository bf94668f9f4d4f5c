// Serves the built browser app from memory: a handful of files, read once at start (a missing
// build fails the start, not the first request). Hashed assets are immutable for a year;
// index.html and /config.json are never cached, so a new deploy is picked up on the next load.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export interface SiteFile {
  body: Buffer;
  /** The same bytes gzipped once at load (text files only): the app bundle shrinks about 5×. */
  gzip?: Buffer;
  type: string;
}

const COMPRESSIBLE = /^(text\/|application\/json|image\/svg)/;

function siteFile(body: Buffer, type: string): SiteFile {
  return COMPRESSIBLE.test(type) ? { body, type, gzip: gzipSync(body, { level: 9 }) } : { body, type };
}

export interface Site {
  index: SiteFile;
  /** name → file, for everything under assets/. */
  assets: Map<string, SiteFile>;
}

export class SiteMissingError extends Error {}

export async function loadSite(publicDir: string): Promise<Site> {
  let index: Buffer;
  try {
    index = await readFile(path.join(publicDir, 'index.html'));
  } catch {
    throw new SiteMissingError(
      `no built console in ${publicDir} (run \`npm run build -w @careline/console\`)`,
    );
  }
  const assets = new Map<string, SiteFile>();
  const assetDir = path.join(publicDir, 'assets');
  for (const name of await readdir(assetDir).catch(() => [])) {
    const type = TYPES[path.extname(name)] ?? 'application/octet-stream';
    assets.set(name, siteFile(await readFile(path.join(assetDir, name)), type));
  }
  return { index: siteFile(index, TYPES['.html']!), assets };
}

/** The page may load only its own files and talk only to the api (HTTP and its WebSocket). */
export function contentSecurityPolicy(apiUrl: string): string {
  const api = new URL(apiUrl);
  const ws = `${api.protocol === 'https:' ? 'wss:' : 'ws:'}//${api.host}`;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // patient images are fetched with the token and shown from object URLs
    "img-src 'self' blob:",
    `connect-src 'self' ${api.origin} ${ws}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

export interface ClientConfig {
  apiUrl: string;
  idleMinutes: number;
  devSignIn: boolean;
  devTenantId: string | null;
}

export function registerSite(app: FastifyInstance, site: Site, clientConfig: ClientConfig): void {
  const csp = contentSecurityPolicy(clientConfig.apiUrl);
  const secure = (reply: FastifyReply): FastifyReply =>
    reply
      .header('content-security-policy', csp)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .header('cross-origin-opener-policy', 'same-origin')
      .header('permissions-policy', 'camera=(), microphone=(), geolocation=()');

  /** The gzipped bytes when the browser takes them (every current one does). */
  const sendFile = (request: FastifyRequest, reply: FastifyReply, file: SiteFile) => {
    void reply.type(file.type).header('vary', 'accept-encoding');
    const accepts = String(request.headers['accept-encoding'] ?? '');
    if (file.gzip !== undefined && /\bgzip\b/.test(accepts))
      return reply.header('content-encoding', 'gzip').send(file.gzip);
    return reply.send(file.body);
  };

  const sendIndex = (request: FastifyRequest, reply: FastifyReply) =>
    sendFile(request, secure(reply).header('cache-control', 'no-cache'), site.index);
  app.get('/', sendIndex);
  app.get('/index.html', sendIndex);

  const configBody = JSON.stringify({ ...clientConfig, apiUrl: clientConfig.apiUrl.replace(/\/+$/, '') });
  app.get('/config.json', (_request, reply) =>
    secure(reply)
      .header('cache-control', 'no-store')
      .type('application/json; charset=utf-8')
      .send(configBody),
  );

  app.get<{ Params: { name: string } }>('/assets/:name', (request, reply) => {
    const file = site.assets.get(request.params.name);
    if (file === undefined)
      return secure(reply).code(404).type('text/plain; charset=utf-8').send('not found');
    return sendFile(
      request,
      secure(reply).header('cache-control', 'public, max-age=31536000, immutable'),
      file,
    );
  });
}
