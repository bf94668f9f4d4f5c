// The 24-hour customer-service window (WhatsApp Business policy): free text may be sent only until
// 24 hours after the patient's latest message, measured from the patient's own Meta timestamp
// (`sent_at`), not from when Careline happened to receive it.

export const WINDOW_MS = 24 * 60 * 60 * 1000;

/** When the window closes (closed) for a conversation whose patient last wrote at `lastInboundAt`. */
export function windowOpenUntil(lastInboundAt: Date | null): Date | null {
  return lastInboundAt === null ? null : new Date(lastInboundAt.getTime() + WINDOW_MS);
}

export function isWindowOpen(lastInboundAt: Date | null, now: Date): boolean {
  const until = windowOpenUntil(lastInboundAt);
  return until !== null && now.getTime() < until.getTime();
}
