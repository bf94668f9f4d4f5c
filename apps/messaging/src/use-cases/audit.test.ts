// The audit event's shape from a caller and the facts of an access: actor type by role, outcome
// mapping, and no patient reference when none is given.
import { AuditActorType, AuditOutcome, EVENT_KEYS } from '@careline/contracts';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, actorType, auditEventFor } from './audit';

const tenantId = '0b6f1c8e-5d2a-4c1e-9f3b-7a8d6e5c4b3a';
const at = new Date('2026-01-02T03:04:05Z');

describe('audit events', () => {
  it('tells integration clients from staff by role', () => {
    expect(actorType(['nurse'])).toBe(AuditActorType.AUDIT_ACTOR_TYPE_STAFF);
    expect(actorType([])).toBe(AuditActorType.AUDIT_ACTOR_TYPE_STAFF);
    expect(actorType(['integration'])).toBe(AuditActorType.AUDIT_ACTOR_TYPE_INTEGRATION);
  });

  it('builds the event with actor, action, patient ref, resource, outcome and time, keyed by tenant', () => {
    const event = auditEventFor(
      { tenantId, actor: 'user:nurse-1', roles: ['nurse'] },
      {
        action: AUDIT_ACTIONS.sendText,
        resource: { type: 'conversation', id: 'c1' },
        patient: { waIdHash: 'h1', patientId: null },
        outcome: 'denied',
        detail: { reason: 'window_closed' },
        at,
      },
    );
    expect(event).toEqual({
      tenantId,
      actor: { type: AuditActorType.AUDIT_ACTOR_TYPE_STAFF, id: 'user:nurse-1' },
      action: 'message.send',
      patientId: '',
      patientWaIdHash: 'h1',
      resource: { type: 'conversation', id: 'c1' },
      outcome: AuditOutcome.AUDIT_OUTCOME_DENIED,
      occurredAt: at,
      detail: { reason: 'window_closed' },
    });
    expect(EVENT_KEYS.auditEvents(event)).toBe(tenantId);
  });

  it('maps success and failure, and leaves the patient empty for a list', () => {
    const caller = { tenantId, actor: 'integration:ehr', roles: ['integration'] };
    const list = auditEventFor(caller, { action: AUDIT_ACTIONS.listConversations, resource: { type: 'conversation_list', id: '' }, outcome: 'success', at });
    expect(list).toMatchObject({ patientId: '', patientWaIdHash: '', outcome: AuditOutcome.AUDIT_OUTCOME_SUCCESS, detail: {} });
    const failed = auditEventFor(caller, {
      action: AUDIT_ACTIONS.getConversation,
      resource: { type: 'conversation', id: 'c2' },
      patient: { waIdHash: 'h2', patientId: 'p2' },
      outcome: 'failure',
      at,
    });
    expect(failed).toMatchObject({ patientId: 'p2', patientWaIdHash: 'h2', outcome: AuditOutcome.AUDIT_OUTCOME_FAILURE });
  });
});
