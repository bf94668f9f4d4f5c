// The signed-in session: the token lives in sessionStorage (gone when the tab closes, never in
// localStorage), and ends on inactivity or when the token expires, whichever comes first.
import { z } from 'zod';

export const SESSION_KEY = 'careline.console.session';

export const SessionSchema = z.object({ token: z.string().min(1), expiresAt: z.string() });
export type Session = z.infer<typeof SessionSchema>;

export type SessionEnd = 'idle' | 'expired' | null;

/** Why the session must end now, or null while it may go on. */
export function sessionEnd(
  session: Session,
  lastActivity: number,
  now: number,
  idleMinutes: number,
): SessionEnd {
  const expires = Date.parse(session.expiresAt);
  if (!Number.isNaN(expires) && now >= expires) return 'expired';
  if (now - lastActivity >= idleMinutes * 60_000) return 'idle';
  return null;
}

export function loadSession(storage: Pick<Storage, 'getItem'>): Session | null {
  const raw = storage.getItem(SESSION_KEY);
  if (raw === null) return null;
  try {
    const parsed = SessionSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
