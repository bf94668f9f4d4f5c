import { useEffect, useState } from 'preact/hooks';

/** The wall clock, re-read every `everyMs`: drives countdowns and SLA timers. */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
