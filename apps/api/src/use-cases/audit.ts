// Reading the audit log for auditors: what each REST call means in AuditService calls. The api
// checked `audit:read` already; audit checks it again, scopes every call to the token's tenant and
// records each query and export in the tenant's chain (see apps/audit/README.md).
import { Readable } from 'node:stream';
import type { Principal } from '@careline/auth';
import { internalError } from '@careline/runtime';
import { callerOf } from '../auth/principal';
import type { AuditClient } from '../grpc/audit-client';
import {
  type AuditEntryPage,
  type AuditEventsQuery,
  type ChainStatusView,
  type CheckpointListView,
  toAuditEntryPage,
  toChainStatusView,
  toCheckpointListView,
} from '../schemas/audit';

export interface AuditDeps {
  audit: AuditClient;
}

export function createAuditUseCases({ audit }: AuditDeps) {
  return {
    async listAuditEvents(principal: Principal, query: AuditEventsQuery): Promise<AuditEntryPage> {
      const response = await audit.queryEvents(callerOf(principal), {
        patientId: query.patientId ?? '',
        patientWaIdHash: query.patientWaIdHash ?? '',
        actorId: query.actorId ?? '',
        action: query.action ?? '',
        from: query.from === undefined ? undefined : new Date(query.from),
        to: query.to === undefined ? undefined : new Date(query.to),
        pageSize: query.limit,
        pageToken: query.cursor ?? '',
      });
      return toAuditEntryPage(response);
    },

    async verifyAuditChain(principal: Principal): Promise<ChainStatusView> {
      return toChainStatusView(await audit.verifyChain(callerOf(principal)));
    },

    async listAuditCheckpoints(principal: Principal): Promise<CheckpointListView> {
      const response = await audit.listCheckpoints(callerOf(principal));
      // Defence in depth, as for conversations: another tenant's checkpoint here is a bug that must
      // fail loudly (500, ids only), never reach the caller.
      const foreign = response.checkpoints.find((checkpoint) => checkpoint.tenantId.toLowerCase() !== principal.tenantId);
      if (foreign !== undefined) {
        throw internalError('tenant_mismatch', 'audit returned a checkpoint of another tenant.', {
          details: { seq: foreign.seq },
        });
      }
      return toCheckpointListView(response);
    },

    /** The chain as FHIR AuditEvent NDJSON, streamed; rejects (nothing sent yet) when audit refuses. */
    async exportAuditChain(principal: Principal): Promise<Readable> {
      const chunks = await audit.exportChain(callerOf(principal));
      return Readable.from(chunks, { objectMode: false });
    },
  };
}

export type AuditUseCases = ReturnType<typeof createAuditUseCases>;
