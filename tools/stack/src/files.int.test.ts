// The files a stack keeps in its state dir (a temp dir per test here).
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSeed, loadOrCreateSeed } from './seed';
import { writeStateFiles } from './state';

const seed = generateSeed();

describe('state dir', () => {
  it('makes the master key once and keeps it on later starts', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'stack-test-'));
    try {
      const first = await writeStateFiles(dir, seed, 'http://x/webhooks/whatsapp');
      const key = await fs.readFile(first.masterKey, 'utf8');
      expect(Buffer.from(key.trim(), 'base64')).toHaveLength(32);
      await writeStateFiles(dir, generateSeed(), 'http://y/webhooks/whatsapp');
      expect(await fs.readFile(first.masterKey, 'utf8')).toBe(key);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('makes the audit signing key once and writes its public half for the offline verifier', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'stack-test-'));
    try {
      const first = await writeStateFiles(dir, seed, 'http://x/webhooks/whatsapp');
      const privatePem = await fs.readFile(first.auditSigningKey, 'utf8');
      const publicPem = await fs.readFile(first.auditPublicKey, 'utf8');
      expect(createPrivateKey(privatePem).asymmetricKeyType).toBe('ed25519');
      expect(createPublicKey(privatePem).export({ type: 'spki', format: 'pem' }).toString()).toBe(publicPem);
      await writeStateFiles(dir, generateSeed(), 'http://y/webhooks/whatsapp');
      expect(await fs.readFile(first.auditSigningKey, 'utf8')).toBe(privatePem);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('seed file', () => {
  it('is created once and then reused', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'stack-test-'));
    try {
      const file = path.join(dir, 'dev', 'seed.json');
      const first = await loadOrCreateSeed(file);
      const second = await loadOrCreateSeed(file);
      expect(first.created).toBe(true);
      expect(second).toEqual({ seed: first.seed, created: false });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a damaged seed file with a line naming it, rather than replacing it', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'stack-test-'));
    try {
      const file = path.join(dir, 'seed.json');
      await fs.writeFile(file, '{"tenant":{}}');
      await expect(loadOrCreateSeed(file)).rejects.toThrow(`${file} is not a valid seed`);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
