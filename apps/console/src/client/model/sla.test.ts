import { describe, expect, it } from 'vitest';
import { slaView } from './sla';
import { conversation } from './test-fixtures';

const now = Date.parse('2026-01-01T12:00:00.000Z');

describe('the SLA timer of an inbox row', () => {
  it('counts down to the first-response target, highlighted in its last minutes', () => {
    expect(slaView(conversation({ firstResponseDueAt: '2026-01-01T12:14:30.000Z' }), now)).toEqual({
      tone: 'ok',
      label: 'First reply due in 14 min',
    });
    expect(slaView(conversation({ firstResponseDueAt: '2026-01-01T12:03:00.000Z' }), now)).toEqual({
      tone: 'due',
      label: 'First reply due in 3 min',
    });
  });

  it('counts up once overdue, and says whether the answer came in time', () => {
    expect(slaView(conversation({ firstResponseDueAt: '2026-01-01T10:50:00.000Z' }), now)).toEqual({
      tone: 'breached',
      label: 'First reply overdue by 1 h 10 min',
    });
    expect(
      slaView(
        conversation({
          firstResponseAt: '2026-01-01T11:00:00.000Z',
          firstResponseDueAt: '2026-01-01T11:30:00.000Z',
        }),
        now,
      ).label,
    ).toBe('Answered');
    expect(
      slaView(conversation({ firstResponseAt: '2026-01-01T11:40:00.000Z', slaBreached: true }), now).tone,
    ).toBe('breached');
  });

  it('shows nothing to count without a target or once closed', () => {
    expect(slaView(conversation({}), now).tone).toBe('none');
    expect(
      slaView(conversation({ status: 'closed', firstResponseDueAt: '2026-01-01T10:00:00.000Z' }), now).tone,
    ).toBe('none');
  });
});
