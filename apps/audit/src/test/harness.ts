// Shared by audit's integration tests (never imported by the app): builds audit events as the
// other services emit them, publishes them, and runs the offline verifier as a real process.
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BusProducer } from '@careline/bus';
import { type AuditEventV1, AuditActorType, AuditOutcome, EVENT_KEYS, auditEvent } from '@careline/contracts';

export const fastConsumer = {
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 500,
  rebalanceTimeoutMs: 6_000,
  maxWaitTimeMs: 100,
  backoff: { initialMs: 50, maxMs: 200 },
} as const;

export function ed25519Pem(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export function auditEventOf(tenantId: string, overrides: Partial<AuditEventV1> = {}): AuditEventV1 {
  return {
    tenantId,
    actor: { type: AuditActorType.AUDIT_ACTOR_TYPE_STAFF, id: 'user:nurse-1' },
    action: 'conversation.read',
    patientId: randomUUID(),
    patientWaIdHash: '',
    resource: { type: 'conversation', id: randomUUID() },
    outcome: AuditOutcome.AUDIT_OUTCOME_SUCCESS,
    occurredAt: new Date(),
    detail: { reason: 'treatment' },
    ...overrides,
  };
}

export async function publishAudit(producer: BusProducer, event: AuditEventV1, id: string = randomUUID()): Promise<string> {
  await producer.publish(auditEvent, {
    key: EVENT_KEYS.auditEvents(event),
    tenantId: event.tenantId,
    payload: event,
    source: '/careline/messaging',
    id,
  });
  return id;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Runs tools/audit-verify as the documented command would; resolves with exit code and output. */
export function runVerifier(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(root, 'node_modules/.bin/tsx'),
      [path.join(root, 'tools/audit-verify/src/main.ts'), ...args],
      { cwd: root },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
