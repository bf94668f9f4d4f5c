// The local development issuer (CARELINE_DEV_AUTH=true only). Its private key can live in a file
// (CARELINE_DEV_AUTH_KEY_FILE) so that tokens minted before a restart still verify after it; the
// file is created on first start, readable by its owner only.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type DevIssuer, createDevIssuer } from '@careline/auth';
import { z } from 'zod';

export interface DevIssuerConfig {
  issuer: string;
  audience: string;
  keyFile?: string | undefined;
}

// Only the members createDevIssuer reads; its own check refuses anything but an EC P-256 key.
const storedKeySchema = z.object({
  kty: z.string(),
  crv: z.string(),
  x: z.string(),
  y: z.string(),
  d: z.string(),
});

async function readKey(file: string): Promise<z.infer<typeof storedKeySchema> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return storedKeySchema.parse(JSON.parse(text));
  } catch {
    // Never quote the file: it holds a private key.
    throw new Error(`CARELINE_DEV_AUTH_KEY_FILE does not hold an EC P-256 private JWK (${file})`);
  }
}

/** The dev issuer, with its key read from `keyFile` or generated (and then saved there, if set). */
export async function loadDevIssuer(config: DevIssuerConfig): Promise<DevIssuer> {
  const { keyFile } = config;
  const options = { issuer: config.issuer, audience: config.audience };
  if (keyFile === undefined) return createDevIssuer(options);
  const stored = await readKey(keyFile);
  if (stored !== undefined) return createDevIssuer({ ...options, privateJwk: stored });
  const issuer = await createDevIssuer(options);
  await mkdir(path.dirname(keyFile), { recursive: true });
  try {
    // `wx`: if another process created the file meanwhile, use its key rather than overwrite it.
    await writeFile(keyFile, `${JSON.stringify(issuer.exportPrivateJwk())}\n`, { flag: 'wx', mode: 0o600 });
    return issuer;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
    const winner = await readKey(keyFile);
    if (winner === undefined) throw error;
    return createDevIssuer({ ...options, privateJwk: winner });
  }
}
