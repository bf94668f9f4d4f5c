// Retention (issue 7): per tenant, how many days messaging keeps the patient data of a closed
// conversation (never set or 0: forever), and the job that erases conversations closed longer
// than that. The job erases as ErasePatient does (erase-patient.ts), one conversation per
// transaction, audited `patient.erased` with `detail.trigger=retention` and actor SYSTEM; the
// patient's key is destroyed with their last conversation. Safe with several replicas: each
// conversation is claimed FOR UPDATE SKIP LOCKED and re-checked under the lock (still closed, still
// past the cut-off), so two runners never erase it twice, and a patient message that reopened it
// in between keeps it.
import {
  type GetRetentionPolicyRequest,
  type GetRetentionPolicyResponse,
  type SetRetentionPolicyRequest,
  type SetRetentionPolicyResponse,
} from '@careline/contracts';
import { type Pool, withTenant } from '@careline/db';
import { type Logger, type Resource, invalidArgument } from '@careline/runtime';
import { getConversation } from '../db/conversations';
import { claimExpiredConversation, expiredConversations, getRetentionPolicy, upsertRetentionPolicy } from '../db/erasure';
import { type MessagingMetrics } from '../metrics';
import { AUDIT_ACTIONS, recordAudit } from './audit';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';
import { erasePatientData } from './erase-patient';
import { type PatientKeys } from './patient-keys';

export const MAX_RETENTION_DAYS = 36_500;

export function createGetRetentionPolicy(deps: Pick<UseCaseDeps, 'pool'>) {
  return async (caller: TenantCaller, _request: GetRetentionPolicyRequest): Promise<GetRetentionPolicyResponse> => {
    const policy = await withTenant(deps.pool, caller.tenantId, (client) => getRetentionPolicy(client, caller.tenantId));
    return { policy: { closedConversationDays: policy?.closedConversationDays ?? 0, updatedAt: policy?.updatedAt } };
  };
}

export function createSetRetentionPolicy(deps: Pick<UseCaseDeps, 'pool' | 'clock' | 'logger'>) {
  return async (caller: TenantCaller, request: SetRetentionPolicyRequest): Promise<SetRetentionPolicyResponse> => {
    const days = request.policy?.closedConversationDays ?? 0;
    if (!Number.isInteger(days) || days < 0 || days > MAX_RETENTION_DAYS) {
      throw invalidArgument('invalid_retention_policy', `closed_conversation_days must be 0 (keep forever) to ${MAX_RETENTION_DAYS}.`, {
        details: { field: 'closed_conversation_days' },
      });
    }
    const now = deps.clock();
    await withTenant(deps.pool, caller.tenantId, async (client) => {
      const before = await getRetentionPolicy(client, caller.tenantId);
      await upsertRetentionPolicy(client, caller.tenantId, days, caller.actor, now);
      await recordAudit(client, caller, {
        action: AUDIT_ACTIONS.setRetentionPolicy,
        resource: { type: 'retention_policy', id: '' },
        outcome: 'success',
        detail: { closed_conversation_days: String(days), previous_closed_conversation_days: String(before?.closedConversationDays ?? 0) },
        at: now,
      });
    });
    deps.logger.info({ tenant_id: caller.tenantId, closed_conversation_days: days, actor: caller.actor }, 'retention policy set');
    return { policy: { closedConversationDays: days, updatedAt: now } };
  };
}

export interface RetentionJobOptions {
  pool: Pool;
  patientKeys: PatientKeys;
  clock: () => Date;
  logger: Logger;
  metrics?: MessagingMetrics;
  /** How often expired conversations are looked for; default 1 minute. */
  pollIntervalMs?: number;
  /** Conversations per pass; default 100. */
  batchSize?: number;
}

export interface RetentionJob {
  /** One pass; resolves to the number of conversations this runner erased. */
  runOnce(): Promise<number>;
  resource: Resource;
}

export function createRetentionJob(options: RetentionJobOptions): RetentionJob {
  const { pool, patientKeys, clock } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 60_000;
  const batchSize = options.batchSize ?? 100;
  const logger = options.logger.child({ component: 'retention' });

  async function eraseOne(tenantId: string, conversationId: string): Promise<boolean> {
    const caller: TenantCaller = { tenantId, actor: 'service:messaging', roles: [] };
    const outcome = await withTenant(pool, tenantId, async (client) => {
      const claimed = await claimExpiredConversation(client, tenantId, conversationId, clock());
      if (claimed === undefined) return undefined; // another runner has it, or it was reopened or erased
      const conversation = await getConversation(client, tenantId, conversationId);
      return erasePatientData(client, { clock }, {
        caller,
        waIdHash: claimed.waIdHash,
        patientId: conversation?.patient_id ?? null,
        trigger: 'retention',
        reasonSealed: () => Promise.resolve(null),
        only: [conversationId],
      });
    });
    if (outcome === undefined) return false;
    if (outcome.destroyedKeyId !== undefined) patientKeys.forget(tenantId, outcome.destroyedKeyId);
    logger.info(
      { tenant_id: tenantId, conversation_id: conversationId, erasure_id: outcome.response.erasureId, messages_erased: outcome.response.messagesErased },
      'conversation erased by retention',
    );
    return true;
  }

  async function runOnce(): Promise<number> {
    const due = await expiredConversations(pool, clock(), batchSize);
    let erased = 0;
    for (const { tenantId, id } of due) {
      if (await eraseOne(tenantId, id)) erased += 1;
    }
    if (erased > 0) options.metrics?.retentionErased(erased);
    return erased;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = (): void => {
    running = runOnce()
      .then(() => undefined)
      .catch((error: unknown) => {
        logger.error({ err: error }, 'retention pass failed');
      })
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(tick, pollIntervalMs);
      });
  };
  return {
    runOnce,
    resource: {
      name: 'retention',
      start() {
        stopped = false;
        timer = setTimeout(tick, pollIntervalMs);
        return Promise.resolve();
      },
      async stop() {
        stopped = true;
        if (timer !== undefined) clearTimeout(timer);
        await running;
      },
    },
  };
}
