// The tenant's policies over REST: the reminder policy is scheduling's, the release policy
// records'. The caller (tenant, actor, roles) always comes from the principal; each service checks
// the permission again and audits the change.
import type { Principal } from '@careline/auth';
import { internalError } from '@careline/runtime';
import { callerOf } from '../auth/principal';
import type { RecordsClient } from '../grpc/records-client';
import type { SchedulingClient } from '../grpc/scheduling-client';
import {
  type ReleasePolicyView,
  type ReminderPolicyView,
  toReleasePolicyView,
  toReminderPolicyView,
} from '../schemas/policies';

export interface PolicyDeps {
  scheduling: SchedulingClient;
  records: RecordsClient;
}

function upstreamInvalid(what: string) {
  return internalError('upstream_invalid_response', `The service answered without the ${what}.`);
}

export function createPolicyUseCases({ scheduling, records }: PolicyDeps) {
  return {
    async getReminderPolicy(principal: Principal): Promise<ReminderPolicyView> {
      const { policy } = await scheduling.getReminderPolicy(callerOf(principal));
      if (policy === undefined) throw upstreamInvalid('reminder policy');
      return toReminderPolicyView(policy);
    },

    async setReminderPolicy(principal: Principal, policy: ReminderPolicyView): Promise<ReminderPolicyView> {
      const { policy: stored } = await scheduling.setReminderPolicy(callerOf(principal), { policy });
      if (stored === undefined) throw upstreamInvalid('reminder policy');
      return toReminderPolicyView(stored);
    },

    async getReleasePolicy(principal: Principal): Promise<ReleasePolicyView> {
      const { policy } = await records.getReleasePolicy(callerOf(principal));
      if (policy === undefined) throw upstreamInvalid('release policy');
      return toReleasePolicyView(policy);
    },

    async setReleasePolicy(principal: Principal, policy: ReleasePolicyView): Promise<ReleasePolicyView> {
      const { policy: stored } = await records.setReleasePolicy(callerOf(principal), { policy });
      if (stored === undefined) throw upstreamInvalid('release policy');
      return toReleasePolicyView(stored);
    },
  };
}

export type PolicyUseCases = ReturnType<typeof createPolicyUseCases>;
