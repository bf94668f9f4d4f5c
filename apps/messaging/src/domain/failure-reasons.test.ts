import { describe, expect, it } from 'vitest';
import { GENERIC_FAILURE_REASON, metaFailure, outboundFailure } from './failure-reasons';

describe('failure reasons', () => {
  it('explains the Meta codes the care team meets most', () => {
    expect(metaFailure(131026)).toEqual({ code: '131026', reason: 'The number is not on WhatsApp or cannot receive messages.' });
    expect(metaFailure(131047).reason).toBe('More than 24 hours since the patient last wrote; send a template.');
    expect(metaFailure(131050).reason).toBe('The patient stopped marketing messages.');
    expect(metaFailure(130429).reason).toMatch(/too many messages/i);
    expect(metaFailure(131056).reason).toMatch(/too many messages/i);
    expect(metaFailure(190).reason).toBe('WhatsApp access token invalid or expired — contact your administrator.');
    expect(metaFailure(0).reason).toBe(metaFailure(190).reason);
    expect(metaFailure(999_999)).toEqual({ code: '999999', reason: GENERIC_FAILURE_REASON });
  });

  it("uses the gateway's own code when the failure did not come from Meta", () => {
    expect(outboundFailure({ metaErrorCode: 131047, code: '' }).code).toBe('131047');
    expect(outboundFailure({ metaErrorCode: 0, code: 'channel_not_found' })).toEqual({
      code: 'channel_not_found',
      reason: 'This WhatsApp number is not set up in Careline — contact your administrator.',
    });
    expect(outboundFailure({ metaErrorCode: 0, code: 'something_new' })).toEqual({ code: 'something_new', reason: GENERIC_FAILURE_REASON });
    // Meta's own code 0 (AuthException) arrives without a Careline code
    expect(outboundFailure({ metaErrorCode: 0, code: '' }).code).toBe('0');
    // anything that is not a stable code is not passed on
    expect(outboundFailure({ metaErrorCode: 0, code: 'Not A Code: 555-1234' }).code).toBe('send_failed');
  });
});
