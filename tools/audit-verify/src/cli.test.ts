import { generateKeyPairSync } from 'node:crypto';
import { type ChainEntry, appendEntry, parseSigningKey, signCheckpoint, toNdjsonLine } from '@careline/audit-chain';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli';

const TENANT = 'a1b2c3d4-0000-4000-8000-000000000001';

function fixture() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const key = parseSigningKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const entries: ChainEntry[] = [];
  for (let n = 1; n <= 3; n += 1) {
    entries.push(
      appendEntry(entries.at(-1), {
        tenantId: TENANT,
        eventId: `e${n}`,
        source: '/careline/test',
        action: 'conversation.read',
        actorType: 'staff',
        actorId: 'user:1',
        patientId: 'p1',
        patientWaIdHash: '',
        resourceType: 'conversation',
        resourceId: 'c1',
        outcome: 'success',
        occurredAt: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
        detail: {},
      }),
    );
  }
  const files: Record<string, string> = {
    'chain.ndjson': entries.map(toNdjsonLine).join(''),
    'key.pem': publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    'cp.json': JSON.stringify({ checkpoints: [signCheckpoint(key, entries[2]!, new Date())] }),
  };
  return { files, read: (path: string) => files[path] ?? (() => { throw new Error(`ENOENT ${path}`); })() };
}

const args = ['--export', 'chain.ndjson', '--checkpoints', 'cp.json', '--public-key', 'key.pem'];

describe('audit-verify', () => {
  it('prints OK and exits 0 for an intact export', () => {
    const { read } = fixture();
    expect(runCli(args, read)).toEqual({ code: 0, message: `OK: 3 entries, 1 checkpoints verified (tenant ${TENANT})` });
  });

  it('names the first broken seq and exits 1', () => {
    const { files, read } = fixture();
    const lines = files['chain.ndjson']!.split('\n');
    lines[1] = lines[1]!.replace('"recorded":"2026-01-01T00:02', '"recorded":"2026-01-01T00:09');
    files['chain.ndjson'] = lines.join('\n');
    const result = runCli(args, read);
    expect(result.code).toBe(1);
    expect(result.message).toMatch(/^BROKEN at seq 2: hash_mismatch/);
  });

  it('fails a checkpoint whose hash was changed', () => {
    const { files, read } = fixture();
    files['cp.json'] = files['cp.json']!.replace(/"hash":"[0-9a-f]/, '"hash":"x');
    expect(runCli(args, read)).toMatchObject({ code: 1, message: expect.stringMatching(/seq 3: bad_signature/) as unknown });
  });

  it('exits 2 on bad usage or unreadable files', () => {
    const { read } = fixture();
    expect(runCli(['--export', 'chain.ndjson'], read).code).toBe(2);
    expect(runCli(['--export', 'missing', '--public-key', 'key.pem'], read).code).toBe(2);
  });
});
