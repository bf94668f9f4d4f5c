import { ShareStatus } from '@careline/contracts';
import { describe, expect, it } from 'vitest';
import { type ShareState, shareEnded, shareStatus } from './share-status';

const t = (minutes: number): Date => new Date(Date.UTC(2026, 0, 1, 0, minutes));
const base: ShareState = {
  notice: 'sent',
  expires_at: t(60),
  opened_at: null,
  verified_at: null,
  downloaded_at: null,
  revoked_at: null,
  locked_at: null,
};

describe('share status', () => {
  it('moves sent → opened → verified → downloaded', () => {
    expect(shareStatus(base, t(1))).toBe(ShareStatus.SHARE_STATUS_SENT);
    expect(shareStatus({ ...base, opened_at: t(2) }, t(3))).toBe(ShareStatus.SHARE_STATUS_OPENED);
    expect(shareStatus({ ...base, opened_at: t(2), verified_at: t(4) }, t(5))).toBe(
      ShareStatus.SHARE_STATUS_VERIFIED,
    );
    expect(shareStatus({ ...base, opened_at: t(2), verified_at: t(4), downloaded_at: t(5) }, t(6))).toBe(
      ShareStatus.SHARE_STATUS_DOWNLOADED,
    );
  });

  it('ends with revocation, lockout or expiry whatever came before', () => {
    const downloaded = { ...base, opened_at: t(2), verified_at: t(4), downloaded_at: t(5) };
    expect(shareStatus({ ...downloaded, revoked_at: t(7) }, t(8))).toBe(ShareStatus.SHARE_STATUS_REVOKED);
    expect(shareStatus({ ...base, locked_at: t(3) }, t(4))).toBe(ShareStatus.SHARE_STATUS_LOCKED);
    expect(shareStatus(downloaded, t(60))).toBe(ShareStatus.SHARE_STATUS_EXPIRED);
    expect(shareEnded(base, t(59))).toBeUndefined();
    expect(shareEnded({ ...base, notice: 'failed' }, t(1))).toBe('notice_failed');
  });
});
