// Why a message failed, in words a nurse can act on. The care team never sees Meta's titles or
// details (technical, English-only, sometimes misleading); they see one of these reasons, and the
// stable code next to it for support. Codes: Meta's error code as its number ("131047"), or
// Careline's snake_case code when the failure did not come from Meta ("channel_not_found").

const META_REASONS: Readonly<Record<number, string>> = {
  131026: 'The number is not on WhatsApp or cannot receive messages.',
  131047: 'More than 24 hours since the patient last wrote; send a template.',
  131050: 'The patient stopped marketing messages.',
  130429: 'Too many messages are being sent from this number right now; try again in a few minutes.',
  131056: 'Too many messages were sent to this patient in a short time; wait a moment and try again.',
  190: 'WhatsApp access token invalid or expired — contact your administrator.',
  // Meta's AuthException: the token was not accepted.
  0: 'WhatsApp access token invalid or expired — contact your administrator.',
};

const CARELINE_REASONS: Readonly<Record<string, string>> = {
  channel_not_found: 'This WhatsApp number is not set up in Careline — contact your administrator.',
  timeout: 'WhatsApp did not answer in time; try sending again.',
};

const CARELINE_CODE = /^[a-z][a-z0-9_]{0,63}$/;

export const GENERIC_FAILURE_REASON = 'WhatsApp could not deliver the message.';

export interface Failure {
  code: string;
  reason: string;
}

/** A failure reported without any error (Meta sends errors with every failed status; this is the fallback). */
export const UNKNOWN_FAILURE: Failure = Object.freeze({ code: 'unknown_failure', reason: GENERIC_FAILURE_REASON });

/** A failure reported by Meta (a failed status, or a Graph API error the gateway passed on). */
export function metaFailure(metaCode: number): Failure {
  return { code: String(metaCode), reason: META_REASONS[metaCode] ?? GENERIC_FAILURE_REASON };
}

/**
 * The gateway's failed result. `meta_error_code` 0 means "not from Meta" when the gateway named
 * its own `code`; with neither, the 0 is Meta's own AuthException code.
 */
export function outboundFailure(failed: { metaErrorCode: number; code: string }): Failure {
  if (failed.metaErrorCode !== 0 || failed.code === '') return metaFailure(failed.metaErrorCode);
  // Stored and shown as a stable code: anything that does not look like one is not passed on.
  const code = CARELINE_CODE.test(failed.code) ? failed.code : 'send_failed';
  return { code, reason: CARELINE_REASONS[code] ?? GENERIC_FAILURE_REASON };
}
