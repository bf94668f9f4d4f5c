// WhatsApp's 24-hour customer-service window as the composer shows it. The api says until when the
// window is open (`windowOpenUntil`); the console counts down against its own clock so the
// composer switches to templates the moment it closes, without waiting for a reload.
import { t } from '../messages';
import { formatDuration } from './time';

/** Under this much time left the countdown is shown as a warning. */
export const CLOSING_SOON_MS = 60 * 60 * 1000;

export type WindowState =
  | { kind: 'open'; remainingMs: number; closingSoon: boolean; label: string }
  | { kind: 'closed'; label: string }
  | { kind: 'never'; label: string };

export function windowState(windowOpenUntil: string | null, now: number): WindowState {
  if (windowOpenUntil === null) return { kind: 'never', label: t.window.never };
  const until = Date.parse(windowOpenUntil);
  if (Number.isNaN(until)) return { kind: 'closed', label: t.window.closed };
  const remainingMs = until - now;
  if (remainingMs <= 0) return { kind: 'closed', label: t.window.closed };
  const closingSoon = remainingMs < CLOSING_SOON_MS;
  const duration = formatDuration(remainingMs);
  return {
    kind: 'open',
    remainingMs,
    closingSoon,
    label: closingSoon ? t.window.closingSoon(duration) : t.window.openFor(duration),
  };
}

/** Free text may be sent; otherwise the composer offers templates only. */
export function canSendFreeText(state: WindowState): boolean {
  return state.kind === 'open';
}
