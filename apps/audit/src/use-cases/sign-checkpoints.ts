// The periodic checkpoint: every tenant whose chain grew since its last checkpoint gets one,
// signed over its current head. Each tenant in its own transaction holding the head lock, so a
// checkpoint never races an append of the same tenant.
import { type SigningKey, signCheckpoint } from '@careline/audit-chain';
import { type Pool, withTenant } from '@careline/db';
import { insertCheckpoint, listChainTenants, lockHead } from '../db/chain';
import { type AuditMetrics } from '../metrics';

export interface CheckpointDeps {
  pool: Pool;
  signingKey: SigningKey;
  clock: () => Date;
  metrics: AuditMetrics;
}

/** Signs what is due; returns how many checkpoints were written. */
export function createSignCheckpoints(deps: CheckpointDeps) {
  return async function signCheckpoints(): Promise<number> {
    let signed = 0;
    for (const tenantId of await listChainTenants(deps.pool)) {
      const wrote = await withTenant(deps.pool, tenantId, async (client) => {
        const head = await lockHead(client, tenantId);
        if (head.seq <= head.checkpointSeq) return false;
        await insertCheckpoint(client, signCheckpoint(deps.signingKey, { tenantId, seq: head.seq, hash: head.hash }, deps.clock()));
        return true;
      });
      if (wrote) {
        signed += 1;
        deps.metrics.checkpoint('interval');
      }
    }
    return signed;
  };
}
