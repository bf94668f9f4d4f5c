// The audit log over REST, for auditors (permission `audit:read`): thin edges that validate, call
// a use-case and answer. The tenant is the token's, never a request field; audit re-checks the
// caller and records every query and export in the tenant's chain.
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { Router } from '../http/router';
import {
  auditEntryPageSchema,
  auditEventsQuerySchema,
  chainStatusSchema,
  checkpointListSchema,
} from '../schemas/audit';
import type { AuditUseCases } from '../use-cases/audit';

const ACCESS = { permission: 'audit:read' } as const;
const TAGS = ['audit'];
const RECORDED = 'Audit records this read in the same chain (action `audit.read`), naming the caller and, when filtered by patient, the patient.';

export const NDJSON_CONTENT_TYPE = 'application/fhir+ndjson';

export function registerAuditRoutes(router: Router, audit: AuditUseCases): void {
  router.route({
    method: 'GET',
    path: '/v1/audit/events',
    operationId: 'listAuditEvents',
    summary: 'Query the audit log',
    description: `The caller's tenant's audit entries in chain order, filtered by every parameter given: who touched which patient's data, when, and with what outcome. ${RECORDED}`,
    tags: TAGS,
    access: ACCESS,
    upstream: true,
    query: auditEventsQuerySchema,
    problems: [{ status: 400, description: '`invalid_page_token`: the cursor is not one this api gave out.' }],
    response: { status: 200, description: 'A page of audit entries.', schema: auditEntryPageSchema },
    handler: ({ principal, query }) => audit.listAuditEvents(principal, query),
  });

  router.route({
    method: 'GET',
    path: '/v1/audit/verify',
    operationId: 'verifyAuditChain',
    summary: "Verify the tenant's audit chain",
    description:
      "Re-hashes the caller's tenant's whole chain from seq 1 and names the FIRST broken sequence, if any (an entry changed, removed or reordered behind the service's back). Not recorded: it releases hashes and sequence numbers only.",
    tags: TAGS,
    access: ACCESS,
    upstream: true,
    response: { status: 200, description: 'The verdict (a broken chain is still a 200: `ok` says so).', schema: chainStatusSchema },
    handler: ({ principal }) => audit.verifyAuditChain(principal),
  });

  router.route({
    method: 'GET',
    path: '/v1/audit/export',
    operationId: 'exportAuditChain',
    summary: "Export the tenant's audit chain",
    description:
      "The caller's tenant's whole chain as FHIR R4 `AuditEvent` resources, one JSON object per line (NDJSON), streamed in chain order. Audit records the export (action `audit.export`) before the first line leaves, so the export contains its own record. With `GET /v1/audit/checkpoints` it can be verified offline (`tools/audit-verify`).",
    tags: TAGS,
    access: ACCESS,
    upstream: true,
    response: {
      status: 200,
      description: 'FHIR AuditEvent NDJSON, one resource per line.',
      schema: z.instanceof(Readable),
      contentType: NDJSON_CONTENT_TYPE,
    },
    handler: ({ principal }) => audit.exportAuditChain(principal),
  });

  router.route({
    method: 'GET',
    path: '/v1/audit/checkpoints',
    operationId: 'listAuditCheckpoints',
    summary: "List the tenant's signed checkpoints",
    description:
      'Ed25519 signatures over the chain at given positions, and the public key that verifies them: proof that entries up to each checkpoint were not rewritten since. Not recorded: it releases hashes and signatures only.',
    tags: TAGS,
    access: ACCESS,
    upstream: true,
    response: { status: 200, description: 'The checkpoints and the verifying key.', schema: checkpointListSchema },
    handler: ({ principal }) => audit.listAuditCheckpoints(principal),
  });
}
