import { describe, expect, it } from 'vitest';
import { errorAction, explainFailure } from './error-policy';

describe('error policy', () => {
  it.each([
    [130429, 400, 'throttle_number'],
    [131056, 400, 'throttle_pair'],
    [131000, 500, 'retry'],
    [131016, 503, 'retry'],
    [131057, 500, 'retry'],
    [4, 400, 'retry'],
    [80007, 400, 'retry'],
    [131026, 400, 'fail'],
    [131047, 400, 'fail'],
    [131050, 400, 'fail'],
    [131048, 400, 'fail'],
    [132000, 400, 'fail'],
    [132999, 500, 'fail'],
    [100, 400, 'fail'],
    [131008, 400, 'fail'],
    [131009, 400, 'fail'],
    [190, 401, 'fail'],
    [0, 401, 'fail'],
    [250, 403, 'fail'],
    [424242, 400, 'fail'],
    [424242, 502, 'retry'],
  ] as const)('code %i (HTTP %i) → %s', (code, httpStatus, action) => {
    expect(errorAction({ code, httpStatus })).toBe(action);
  });

  it('decides on the HTTP status only without a code, and on what is known of local failures', () => {
    expect(errorAction({ httpStatus: 503 })).toBe('retry');
    expect(errorAction({ httpStatus: 429 })).toBe('throttle_number');
    expect(errorAction({ httpStatus: 400 })).toBe('fail');
    expect(errorAction({ local: 'timeout' })).toBe('retry');
    expect(errorAction({ local: 'network' })).toBe('retry');
    // a 200 we could not read may have been accepted: repeating it could send twice
    expect(errorAction({ local: 'unexpected_response', httpStatus: 200 })).toBe('fail');
  });

  it('explains failures to the care team in plain words', () => {
    expect(explainFailure({ metaErrorCode: 131047, code: '' })).toBe(
      'More than 24 hours have passed since the patient last wrote; only a template can be sent.',
    );
    expect(explainFailure({ metaErrorCode: 131026, code: '' })).toMatch(/not be on WhatsApp/);
    expect(explainFailure({ metaErrorCode: 132099, code: '' })).toMatch(/template/);
    expect(explainFailure({ metaErrorCode: 0, code: '' })).toMatch(/access token/); // Meta's AuthException
    expect(explainFailure({ metaErrorCode: 0, code: 'unknown_channel' })).toMatch(/not set up/);
    expect(explainFailure({ metaErrorCode: 777777, code: '' })).toBe(
      'WhatsApp could not send the message (error 777777). Contact support if it happens again.',
    );
    expect(explainFailure({ metaErrorCode: 0, code: 'something_new' })).toMatch(/could not be sent/);
  });
});
