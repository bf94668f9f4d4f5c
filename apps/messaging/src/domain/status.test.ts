import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DeliveryState, type StatusReport, mergeStatus, queuedState } from './status';

const queuedAt = new Date('2025-03-04T10:00:00Z');
const at = (seconds: number): Date => new Date(queuedAt.getTime() + seconds * 1000);

const sent: StatusReport = { status: 'sent', at: at(1) };
const delivered: StatusReport = { status: 'delivered', at: at(2) };
const read: StatusReport = { status: 'read', at: at(3) };
const failed: StatusReport = { status: 'failed', at: at(4), failure: { code: '131026', reason: 'unreachable' } };

function mergeAll(reports: readonly StatusReport[]): DeliveryState {
  return reports.reduce(mergeStatus, queuedState(queuedAt));
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

describe('mergeStatus', () => {
  it('ends in read with every timestamp recorded, whatever order sent/delivered/read arrive in', () => {
    const orders = permutations([sent, delivered, read]);
    expect(orders).toHaveLength(6);
    for (const order of orders) {
      const state = mergeAll(order);
      expect(state.state).toBe('read');
      expect(state.stateAt).toEqual(read.at);
      expect(state.at).toEqual({ sent: sent.at, delivered: delivered.at, read: read.at, failed: null });
      expect(state.failure).toBeNull();
    }
  });

  it('keeps read when delivered arrives after it', () => {
    expect(mergeAll([read, delivered]).state).toBe('read');
  });

  it('keeps failed, with its code and reason, when a second device reports delivered later', () => {
    const state = mergeAll([sent, failed, delivered]);
    expect(state.state).toBe('failed');
    expect(state.failure).toEqual({ code: '131026', reason: 'unreachable' });
    expect(state.stateAt).toEqual(failed.at);
    expect(state.at.delivered).toEqual(delivered.at);
  });

  it('is order-independent and idempotent for any sequence of reports (property)', () => {
    const report = fc.record({
      status: fc.constantFrom('sent', 'delivered', 'read', 'failed' as const),
      second: fc.integer({ min: 0, max: 600 }),
      code: fc.constantFrom('131026', '131047', '131050'),
    });
    fc.assert(
      fc.property(fc.array(report, { minLength: 1, maxLength: 8 }), fc.func(fc.integer()), (raw, shuffleKey) => {
        const reports: StatusReport[] = raw.map((r) => ({
          status: r.status,
          at: at(r.second),
          ...(r.status === 'failed' ? { failure: { code: r.code, reason: `reason ${r.code}` } } : {}),
        }));
        const shuffled = [...reports].sort((a, b) => shuffleKey(a) - shuffleKey(b));
        const once = mergeAll(reports);
        expect(mergeAll(shuffled).state).toBe(once.state);
        expect(mergeAll(shuffled).stateAt).toEqual(once.stateAt);
        expect(mergeAll(shuffled).at).toEqual(once.at);
        expect(mergeAll([...reports, ...reports])).toEqual(once);
        // failed on top: any failure wins; otherwise the highest of sent < delivered < read
        const rank = ['queued', 'sent', 'delivered', 'read', 'failed'];
        const highest = reports.reduce((best, r) => Math.max(best, rank.indexOf(r.status)), 0);
        expect(once.state).toBe(rank[highest]);
        expect(once.failure === null).toBe(once.state !== 'failed');
      }),
    );
  });

  it('keeps the earliest failure when two are reported', () => {
    const later: StatusReport = { status: 'failed', at: at(9), failure: { code: '131047', reason: 'window' } };
    expect(mergeAll([later, failed]).failure?.code).toBe('131026');
    expect(mergeAll([failed, later]).failure?.code).toBe('131026');
  });
});
