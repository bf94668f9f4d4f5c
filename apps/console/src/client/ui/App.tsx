// The session around everything: sign-in until there is a token, then the console; signs out on
// inactivity (config.idleMinutes) or when the token expires, and says why on the sign-in page.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ClientConfig } from '../schemas';
import { type Session, SESSION_KEY, loadSession, sessionEnd } from '../model/session';
import { t } from '../messages';
import { SignIn } from './SignIn';
import { ConsoleView } from './ConsoleView';

const ACTIVITY_EVENTS = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const;

export function App({ config }: { config: ClientConfig }) {
  const [session, setSession] = useState<Session | null>(() => loadSession(sessionStorage));
  const [notice, setNotice] = useState<string | null>(null);
  const lastActivity = useRef(Date.now());

  const signOut = useCallback((why: string | null) => {
    sessionStorage.removeItem(SESSION_KEY);
    setSession(null);
    setNotice(why);
  }, []);

  const signIn = useCallback((next: Session) => {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(next));
    lastActivity.current = Date.now();
    setNotice(null);
    setSession(next);
  }, []);

  useEffect(() => {
    if (session === null) return undefined;
    const touch = () => {
      lastActivity.current = Date.now();
    };
    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, touch, { passive: true });
    const timer = setInterval(() => {
      const end = sessionEnd(session, lastActivity.current, Date.now(), config.idleMinutes);
      if (end === 'idle') signOut(t.signIn.signedOutIdle(config.idleMinutes));
      else if (end === 'expired') signOut(t.signIn.signedOutExpired);
    }, 5_000);
    return () => {
      clearInterval(timer);
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, touch);
    };
  }, [session, config.idleMinutes, signOut]);

  if (session === null) return <SignIn config={config} notice={notice} onSignedIn={signIn} />;
  return (
    <ConsoleView
      config={config}
      session={session}
      onSignOut={() => signOut(null)}
      onExpired={() => signOut(t.signIn.signedOutExpired)}
    />
  );
}
