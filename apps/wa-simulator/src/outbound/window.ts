// The 24-hour customer service window: opened (and renewed) by each message the patient sends
// to that business number; the business's own sends never extend it.
import type { Clock } from '../clock';
import { pairKey, type Store } from '../store';

export function isWindowOpen(
  store: Store,
  clock: Clock,
  windowSeconds: number,
  phoneNumberId: string,
  waId: string,
): boolean {
  const last = store.lastInbound.get(pairKey(phoneNumberId, waId));
  return last !== undefined && clock.now() - last < windowSeconds * 1000;
}
