// Erasure of a patient's messaging data and the retention policy (issue 7): messaging does the
// work, checks `patients:erase` / `tenant:admin` again and audits; the api passes the caller from
// the principal. The clinical record in records is never touched by either.
import type { Principal } from '@careline/auth';
import { internalError } from '@careline/runtime';
import { callerOf } from '../auth/principal';
import type { MessagingClient } from '../grpc/messaging-client';
import { type ErasureView, type RetentionPolicyView, toErasureView, toRetentionPolicyView } from '../schemas/erasure';

export function createErasureUseCases({ messaging }: { messaging: MessagingClient }) {
  return {
    async erase(principal: Principal, conversationId: string, reason: string): Promise<ErasureView> {
      return toErasureView(await messaging.erasePatient(callerOf(principal), { conversationId, reason }));
    },
    async getRetentionPolicy(principal: Principal): Promise<RetentionPolicyView> {
      const { policy } = await messaging.getRetentionPolicy(callerOf(principal), {});
      if (policy === undefined) throw internalError('upstream_invalid_response', 'The service answered without the retention policy.');
      return toRetentionPolicyView(policy);
    },
    async setRetentionPolicy(principal: Principal, closedConversationDays: number): Promise<RetentionPolicyView> {
      const { policy } = await messaging.setRetentionPolicy(callerOf(principal), { policy: { closedConversationDays, updatedAt: undefined } });
      if (policy === undefined) throw internalError('upstream_invalid_response', 'The service answered without the retention policy.');
      return toRetentionPolicyView(policy);
    },
  };
}

export type ErasureUseCases = ReturnType<typeof createErasureUseCases>;
