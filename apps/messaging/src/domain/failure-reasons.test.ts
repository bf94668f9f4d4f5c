import { explainMetaError } from '@careline/whatsapp';
import { describe, expect, it } from 'vitest';
import { GENERIC_FAILURE_REASON, metaFailure, outboundFailure } from './failure-reasons';

describe('failure reasons', () => {
  it("explains Meta's codes with the shared table, the same words the gateway uses", () => {
    expect(metaFailure(131026)).toEqual({ code: '131026', reason: explainMetaError(131026) });
    expect(metaFailure(131026).reason).toMatch(/not be on WhatsApp/);
    expect(metaFailure(131047).reason).toMatch(/24 hours/);
    expect(metaFailure(131050).reason).toMatch(/stopped marketing/);
    expect(metaFailure(130429).reason).toMatch(/too many messages/i);
    expect(metaFailure(131056).reason).toMatch(/too many messages/i);
    expect(metaFailure(190).reason).toMatch(/access token/);
    expect(metaFailure(0).reason).toMatch(/access token/);
    expect(metaFailure(999_999)).toEqual({ code: '999999', reason: expect.stringContaining('999999') as unknown });
  });

  it("prefers the gateway's explanation, and uses the gateway's own code when the failure did not come from Meta", () => {
    expect(outboundFailure({ metaErrorCode: 131047, code: '' })).toEqual(metaFailure(131047));
    expect(outboundFailure({ metaErrorCode: 131047, code: '', explanation: 'Only a template can be sent now.' })).toEqual({
      code: '131047',
      reason: 'Only a template can be sent now.',
    });
    expect(outboundFailure({ metaErrorCode: 0, code: 'unknown_channel', explanation: 'This number is not set up.' })).toEqual({
      code: 'unknown_channel',
      reason: 'This number is not set up.',
    });
    expect(outboundFailure({ metaErrorCode: 0, code: 'something_new' })).toEqual({ code: 'something_new', reason: GENERIC_FAILURE_REASON });
    expect(outboundFailure({ metaErrorCode: 0, code: 'x', explanation: 'y'.repeat(1000) }).reason).toHaveLength(300);
    // Meta's own code 0 (AuthException) arrives without a Careline code
    expect(outboundFailure({ metaErrorCode: 0, code: '' }).code).toBe('0');
    // anything that is not a stable code is not passed on
    expect(outboundFailure({ metaErrorCode: 0, code: 'Not A Code: 555-1234' }).code).toBe('send_failed');
  });
});
