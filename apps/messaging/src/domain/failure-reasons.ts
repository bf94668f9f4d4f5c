// Why a message failed, in words a nurse can act on. The care team never sees Meta's titles or
// details (technical, English-only, sometimes misleading); they see a plain reason, and the stable
// code next to it for support. Codes: Meta's error code as its number ("131047"), or Careline's
// snake_case code when the failure did not come from Meta ("unknown_channel").
//
// Meta's codes are explained by @careline/whatsapp's one table (shared with the gateway). A failed
// send result carries the gateway's explanation, which wins: the gateway knows what it tried.
import { explainMetaError } from '@careline/whatsapp';

const CARELINE_CODE = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_REASON_LENGTH = 300;

export const GENERIC_FAILURE_REASON = 'WhatsApp could not deliver the message.';

export interface Failure {
  code: string;
  reason: string;
}

/** A failure reported without any error (Meta sends errors with every failed status; this is the fallback). */
export const UNKNOWN_FAILURE: Failure = Object.freeze({ code: 'unknown_failure', reason: GENERIC_FAILURE_REASON });

/** A failure reported by Meta (a failed status, or a Graph API error the gateway passed on). */
export function metaFailure(metaCode: number): Failure {
  return { code: String(metaCode), reason: explainMetaError(metaCode) };
}

/**
 * The gateway's failed result. `meta_error_code` 0 means "not from Meta" when the gateway named
 * its own `code`; with neither, the 0 is Meta's own AuthException code. The gateway's
 * `explanation` is used when it sent one (bounded; it is the gateway's text, never patient data).
 */
export function outboundFailure(failed: { metaErrorCode: number; code: string; explanation?: string | undefined }): Failure {
  const explanation = failed.explanation?.trim();
  const given = explanation === undefined || explanation === '' ? undefined : explanation.slice(0, MAX_REASON_LENGTH);
  if (failed.metaErrorCode !== 0 || failed.code === '') {
    return { code: String(failed.metaErrorCode), reason: given ?? explainMetaError(failed.metaErrorCode) };
  }
  // Stored and shown as a stable code: anything that does not look like one is not passed on.
  const code = CARELINE_CODE.test(failed.code) ? failed.code : 'send_failed';
  return { code, reason: given ?? GENERIC_FAILURE_REASON };
}
