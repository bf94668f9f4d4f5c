// Where a share is, derived from its timestamps (the latest step reached wins; revoked, locked and
// expired end it whatever came before).
import { ShareStatus } from '@careline/contracts';

export interface ShareState {
  notice: 'pending' | 'sent' | 'failed';
  expires_at: Date;
  opened_at: Date | null;
  verified_at: Date | null;
  downloaded_at: Date | null;
  revoked_at: Date | null;
  locked_at: Date | null;
}

export type ShareEnd = 'revoked' | 'locked' | 'expired' | 'notice_failed';

/** Why the link no longer works, or undefined while it does. */
export function shareEnded(share: ShareState, now: Date): ShareEnd | undefined {
  if (share.revoked_at !== null) return 'revoked';
  if (share.notice === 'failed') return 'notice_failed';
  if (share.locked_at !== null) return 'locked';
  if (now.getTime() >= share.expires_at.getTime()) return 'expired';
  return undefined;
}

export function shareStatus(share: ShareState, now: Date): ShareStatus {
  switch (shareEnded(share, now)) {
    case 'revoked':
      return ShareStatus.SHARE_STATUS_REVOKED;
    case 'notice_failed':
      return ShareStatus.SHARE_STATUS_NOTICE_FAILED;
    case 'locked':
      return ShareStatus.SHARE_STATUS_LOCKED;
    case 'expired':
      return ShareStatus.SHARE_STATUS_EXPIRED;
    case undefined:
      break;
  }
  if (share.downloaded_at !== null) return ShareStatus.SHARE_STATUS_DOWNLOADED;
  if (share.verified_at !== null) return ShareStatus.SHARE_STATUS_VERIFIED;
  if (share.opened_at !== null) return ShareStatus.SHARE_STATUS_OPENED;
  return ShareStatus.SHARE_STATUS_SENT;
}
