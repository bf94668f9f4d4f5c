// Where a result's release stands, as the patient panel shows it: the four steps of records'
// release (notice sent → link opened → identity verified → downloaded), each reached or not with
// its time, and the end it came to instead (revoked, expired, locked after failed checks, the
// notice not delivered). A share's `status` is only the latest step, so the steps before it are
// reached by definition; the timestamps say when.
import type { DocumentShare, ShareStatus } from '../schemas';
import { t } from '../messages';

export const RELEASE_STEPS = ['sent', 'opened', 'verified', 'downloaded'] as const;
export type ReleaseStep = (typeof RELEASE_STEPS)[number];

export type ShareOutcome = 'revoked' | 'expired' | 'locked' | 'notice_failed' | 'unknown';

export interface StepView {
  step: ReleaseStep;
  label: string;
  reached: boolean;
  /** The step the release is at now. */
  current: boolean;
  at: string | null;
}

export interface ShareProgress {
  steps: StepView[];
  outcome: { kind: ShareOutcome; label: string } | null;
  /** One line: the current step or the outcome. */
  summary: string;
  canRevoke: boolean;
  /** Still moving: the console keeps polling while any share is. */
  live: boolean;
}

function stepIndex(status: ShareStatus): number {
  return (RELEASE_STEPS as readonly string[]).indexOf(status);
}

function at(share: DocumentShare, step: ReleaseStep): string | null {
  switch (step) {
    case 'sent':
      return share.createdAt;
    case 'opened':
      return share.openedAt;
    case 'verified':
      return share.verifiedAt;
    case 'downloaded':
      return share.downloadedAt;
  }
}

function outcomeOf(status: ShareStatus): ShareOutcome | null {
  switch (status) {
    case 'sent':
    case 'opened':
    case 'verified':
    case 'downloaded':
      return null;
    case 'revoked':
    case 'expired':
    case 'locked':
    case 'notice_failed':
      return status;
    case 'unspecified':
      return 'unknown';
  }
}

export function shareProgress(share: DocumentShare, now: number): ShareProgress {
  const index = stepIndex(share.status);
  let outcome = outcomeOf(share.status);
  // records marks expiry when the link is next used; the console knows the time already
  const expiresAt = share.expiresAt === null ? Number.NaN : Date.parse(share.expiresAt);
  if (outcome === null && share.status !== 'downloaded' && expiresAt <= now) outcome = 'expired';

  const steps = RELEASE_STEPS.map((step, i) => {
    const time = at(share, step);
    // past the steps (revoked, expired, locked) the timestamps tell how far it got; a notice
    // that failed was never in the patient's hands
    const reached =
      index >= 0 ? i <= index : share.status === 'notice_failed' ? false : step === 'sent' || time !== null;
    return { step, label: t.release.steps[step], reached, current: false, at: reached ? time : null };
  });
  const last = steps.filter((s) => s.reached).at(-1);
  if (last !== undefined && outcome === null) last.current = true;

  const outcomeView = outcome === null ? null : { kind: outcome, label: t.release.outcomes[outcome] };
  return {
    steps,
    outcome: outcomeView,
    summary: outcomeView?.label ?? (last === undefined ? t.release.outcomes.unknown : last.label),
    canRevoke: outcome === null || outcome === 'notice_failed',
    live: outcome === null && share.status !== 'downloaded',
  };
}
