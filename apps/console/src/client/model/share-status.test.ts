import { describe, expect, it } from 'vitest';
import { shareProgress } from './share-status';
import { share } from './test-fixtures';

const now = Date.parse('2026-01-01T12:00:00.000Z');
const reached = (p: ReturnType<typeof shareProgress>) => p.steps.filter((s) => s.reached).map((s) => s.step);

describe('where a result’s release stands', () => {
  it('reaches every step up to the current one, with their times', () => {
    const sent = shareProgress(share(), now);
    expect(reached(sent)).toEqual(['sent']);
    expect(sent.summary).toBe('Sent');
    expect(sent.steps[0]).toMatchObject({ current: true, at: '2026-01-01T10:00:00.000Z' });
    expect(sent).toMatchObject({ live: true, canRevoke: true, outcome: null });

    const verified = shareProgress(
      share({
        status: 'verified',
        openedAt: '2026-01-01T11:00:00.000Z',
        verifiedAt: '2026-01-01T11:02:00.000Z',
      }),
      now,
    );
    expect(reached(verified)).toEqual(['sent', 'opened', 'verified']);
    expect(verified.steps.map((s) => s.current)).toEqual([false, false, true, false]);
    expect(verified.steps[1]?.at).toBe('2026-01-01T11:00:00.000Z');

    const done = shareProgress(
      share({ status: 'downloaded', downloadedAt: '2026-01-01T11:05:00.000Z' }),
      now,
    );
    expect(reached(done)).toEqual(['sent', 'opened', 'verified', 'downloaded']);
    // nothing more will happen by itself; it can still be revoked (the link works until it expires)
    expect(done).toMatchObject({ live: false, canRevoke: true, summary: 'Downloaded' });
  });

  it('shows how far a revoked or locked release got, and offers nothing more', () => {
    const revoked = shareProgress(
      share({
        status: 'revoked',
        openedAt: '2026-01-01T11:00:00.000Z',
        revokedAt: '2026-01-01T11:30:00.000Z',
      }),
      now,
    );
    expect(reached(revoked)).toEqual(['sent', 'opened']);
    expect(revoked).toMatchObject({ summary: 'Revoked', canRevoke: false, live: false });
    expect(revoked.steps.some((s) => s.current)).toBe(false);

    const locked = shareProgress(
      share({ status: 'locked', openedAt: '2026-01-01T11:00:00.000Z', failedAttempts: 5 }),
      now,
    );
    expect(locked.outcome?.kind).toBe('locked');
    expect(locked.canRevoke).toBe(false);
  });

  it('marks a release expired by its time, before records notices, and a failed notice as never sent', () => {
    const late = shareProgress(share({ expiresAt: '2026-01-01T11:59:59.000Z' }), now);
    expect(late.outcome?.kind).toBe('expired');
    expect(late).toMatchObject({ live: false, canRevoke: false });

    const failed = shareProgress(share({ status: 'notice_failed' }), now);
    expect(reached(failed)).toEqual([]);
    expect(failed.summary).toBe('The notice was not delivered: share again');
  });
});
