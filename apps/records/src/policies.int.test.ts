// The tenant's release policy over gRPC: default off, set by an admin (audited through the
// outbox), read back, invisible to another tenant, set by the platform operator, refused (and
// audited) for other roles.
import { randomUUID } from 'node:crypto';
import { PLATFORM_OPERATOR_ROLE } from '@careline/auth';
import { AuditOutcome } from '@careline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, auditEventsOf, staff, startHarness } from './int-test-support';

describe('release policy', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const admin = (tenant: string) => staff(tenant, ['admin'], 'user:admin-1');

  it('defaults to no document in chat, is replaced by an admin, audited, and kept per tenant', async () => {
    const tenant = randomUUID();
    const other = randomUUID();
    expect(await h.api.getReleasePolicy({}, admin(tenant))).toEqual({ policy: { allowDocumentInChat: false } });

    const set = await h.api.setReleasePolicy({ policy: { allowDocumentInChat: true } }, admin(tenant));
    expect(set.policy).toEqual({ allowDocumentInChat: true });
    expect((await h.api.getReleasePolicy({}, admin(tenant))).policy).toEqual({ allowDocumentInChat: true });
    // another tenant still has the default
    expect((await h.api.getReleasePolicy({}, admin(other))).policy).toEqual({ allowDocumentInChat: false });

    await h.api.setReleasePolicy({ policy: { allowDocumentInChat: false } }, admin(tenant));
    expect((await h.api.getReleasePolicy({}, admin(tenant))).policy).toEqual({ allowDocumentInChat: false });

    const changes = (events: Awaited<ReturnType<typeof auditEventsOf>>) =>
      events.filter((e) => e.action === 'policy.release_changed');
    const events = await auditEventsOf(h.kafka, tenant, (e) => changes(e).length >= 2);
    expect(changes(events).map((e) => ({ actor: e.actor?.id, outcome: e.outcome, detail: e.detail }))).toEqual([
      { actor: 'user:admin-1', outcome: AuditOutcome.AUDIT_OUTCOME_SUCCESS, detail: { allow_document_in_chat: 'true' } },
      { actor: 'user:admin-1', outcome: AuditOutcome.AUDIT_OUTCOME_SUCCESS, detail: { allow_document_in_chat: 'false' } },
    ]);
  });

  it('lets the platform operator (the admin CLI) read and set it, audited under its name', async () => {
    const tenant = randomUUID();
    const operator = staff(tenant, [PLATFORM_OPERATOR_ROLE], 'operator:alice');
    expect((await h.api.setReleasePolicy({ policy: { allowDocumentInChat: true } }, operator)).policy).toEqual({ allowDocumentInChat: true });
    expect((await h.api.getReleasePolicy({}, operator)).policy).toEqual({ allowDocumentInChat: true });
    const events = await auditEventsOf(h.kafka, tenant, (e) => e.some((event) => event.action === 'policy.release_changed'));
    expect(events.find((e) => e.action === 'policy.release_changed')?.actor?.id).toBe('operator:alice');
  });

  it('refuses a missing policy and any role but admin (audited as denied)', async () => {
    const tenant = randomUUID();
    await expect(h.api.setReleasePolicy({}, admin(tenant))).rejects.toMatchObject({ code: 3 });
    await expect(
      h.api.setReleasePolicy({ policy: { allowDocumentInChat: true } }, staff(tenant, ['clinician', 'auditor'])),
    ).rejects.toMatchObject({ code: 7 });
    await expect(h.api.getReleasePolicy({}, staff(tenant, ['nurse']))).rejects.toMatchObject({ code: 7 });
    expect((await h.api.getReleasePolicy({}, admin(tenant))).policy).toEqual({ allowDocumentInChat: false });

    const denied = (events: Awaited<ReturnType<typeof auditEventsOf>>) =>
      events.filter((e) => e.outcome === AuditOutcome.AUDIT_OUTCOME_DENIED);
    const events = await auditEventsOf(h.kafka, tenant, (e) => denied(e).length >= 2);
    expect(denied(events).map((e) => e.action).sort()).toEqual(['policy.release_changed', 'policy.release_read']);
  });
});
