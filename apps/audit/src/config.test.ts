import { generateKeyPairSync } from 'node:crypto';
import { loadConfig } from '@careline/runtime';
import { describe, expect, it } from 'vitest';
import { configSchema } from './config';

const base = { DATABASE_URL: 'postgres://audit@127.0.0.1:5432/careline', KAFKA_BROKERS: '127.0.0.1:9092' };

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

describe('config', () => {
  it('parses the signing key (inline or _FILE) and the DESIGN.md defaults', () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const config = loadConfig(configSchema, { ...base, AUDIT_SIGNING_KEY_FILE: '/run/secrets/audit' }, { readFile: () => pem });
    expect(config.AUDIT_SIGNING_KEY.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(config.HTTP_PORT).toBe(8086);
    expect(config.GRPC_PORT).toBe(50054);
    expect(config.AUDIT_CHECKPOINT_INTERVAL).toBe(300_000);
    expect(config.AUDIT_CHECKPOINT_EVERY).toBe(1000);
  });

  it('names a missing key', () => {
    expect(messageOf(() => loadConfig(configSchema, base))).toContain('AUDIT_SIGNING_KEY');
  });

  it('refuses a key that is not Ed25519 without echoing it', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const message = messageOf(() => loadConfig(configSchema, { ...base, AUDIT_SIGNING_KEY: rsa }));
    expect(message).toContain('AUDIT_SIGNING_KEY');
    expect(message).toContain('Ed25519');
    expect(message).not.toContain('PRIVATE KEY');
    expect(message).not.toContain(rsa.split('\n')[1]);
  });
});
