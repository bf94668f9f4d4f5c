import { describe, expect, it } from 'vitest';
import { SESSION_KEY, loadSession, sessionEnd } from './session';

const session = { token: 'tok', expiresAt: '2026-01-01T13:00:00.000Z' };
const now = Date.parse('2026-01-01T12:00:00.000Z');

describe('the session', () => {
  it('ends after the configured minutes without activity, not before', () => {
    expect(sessionEnd(session, now - 14 * 60_000 - 59_000, now, 15)).toBeNull();
    expect(sessionEnd(session, now - 15 * 60_000, now, 15)).toBe('idle');
    expect(sessionEnd(session, now - 5 * 60_000, now, 5)).toBe('idle');
  });

  it('ends when the token expires, however active the user is', () => {
    expect(sessionEnd(session, now, Date.parse(session.expiresAt), 15)).toBe('expired');
  });

  it('reads back only a well-formed session', () => {
    const storage = (value: string | null) => ({
      getItem: (key: string) => (key === SESSION_KEY ? value : null),
    });
    expect(loadSession(storage(JSON.stringify(session)))).toEqual(session);
    expect(loadSession(storage(null))).toBeNull();
    expect(loadSession(storage('{not json'))).toBeNull();
    expect(loadSession(storage(JSON.stringify({ token: '' })))).toBeNull();
  });
});
