import { describe, expect, it } from 'vitest';
import { firstResponseDueAt, slaBreached } from './sla';

const openedAt = new Date('2026-01-01T10:00:00Z');

describe('first-response SLA', () => {
  it('is due target minutes after the episode opened; none without a target', () => {
    expect(firstResponseDueAt({ openedAt, firstResponseAt: null, targetMinutes: 15 })).toEqual(new Date('2026-01-01T10:15:00Z'));
    expect(firstResponseDueAt({ openedAt, firstResponseAt: null, targetMinutes: null })).toBeUndefined();
  });

  it('is breached once the due time passes unanswered, or by a late answer; never without a target', () => {
    const facts = { openedAt, firstResponseAt: null, targetMinutes: 15 };
    expect(slaBreached(facts, new Date('2026-01-01T10:14:59Z'))).toBe(false);
    expect(slaBreached(facts, new Date('2026-01-01T10:15:01Z'))).toBe(true);
    expect(slaBreached({ ...facts, firstResponseAt: new Date('2026-01-01T10:10:00Z') }, new Date('2026-01-02T00:00:00Z'))).toBe(false);
    expect(slaBreached({ ...facts, firstResponseAt: new Date('2026-01-01T10:20:00Z') }, new Date('2026-01-01T10:21:00Z'))).toBe(true);
    expect(slaBreached({ ...facts, targetMinutes: null }, new Date('2030-01-01T00:00:00Z'))).toBe(false);
  });
});
