import { describe, expect, it } from 'vitest';
import { CLOSING_SOON_MS, canSendFreeText, windowState } from './window';

const now = Date.parse('2026-01-01T12:00:00.000Z');
const inMs = (ms: number) => new Date(now + ms).toISOString();

describe('the 24-hour window countdown', () => {
  it('counts down hours and minutes while open, rounded down', () => {
    const state = windowState(inMs(23 * 3600_000 + 59 * 60_000 + 59_000), now);
    expect(state).toMatchObject({ kind: 'open', closingSoon: false });
    expect(state.label).toBe('Reply window closes in 23 h 59 min');
    expect(canSendFreeText(state)).toBe(true);
  });

  it('warns in the last hour, and says "less than a minute" at the very end', () => {
    expect(windowState(inMs(CLOSING_SOON_MS - 1), now)).toMatchObject({
      kind: 'open',
      closingSoon: true,
      label: 'Reply window closes soon: 59 min left',
    });
    expect(windowState(inMs(30_000), now).label).toBe('Reply window closes soon: less than a minute left');
  });

  it('is closed at the exact end and after it: templates only', () => {
    for (const until of [inMs(0), inMs(-1), inMs(-48 * 3600_000)]) {
      const state = windowState(until, now);
      expect(state.kind).toBe('closed');
      expect(canSendFreeText(state)).toBe(false);
    }
  });

  it('is "never" when the patient has not written, and closed for an unreadable date', () => {
    expect(windowState(null, now).kind).toBe('never');
    expect(canSendFreeText(windowState(null, now))).toBe(false);
    expect(windowState('not a date', now).kind).toBe('closed');
  });
});
