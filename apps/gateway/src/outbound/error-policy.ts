// What the sender does with each failure of a Graph call, and what the care team reads about it.
// Built on Meta's `code` (Meta asks callers to; titles are being deprecated); the HTTP status
// decides only when there is no code. Sources: the fact sheet §5 and Meta's error-code page.
//
//   retry            in place, equal-jitter exponential backoff: Meta-side trouble (131000,
//                    131016, 131057 throughput upgrade, unknown codes with a 5xx), app/WABA call
//                    limits (4, 80007), timeouts and network errors.
//   throttle_number  130429 (and a bare HTTP 429): the number's rate halves and it pauses (AIMD).
//   throttle_pair    131056: only that recipient backs off, 4^X seconds.
//   fail             everything else: the same request cannot succeed by being repeated
//                    (131026, 131047, 131050, 131048, 131049, 132xxx templates, 100/131008/131009
//                    bad requests, 0/190 tokens, 10/200–299 permissions, 368, 131031, 131042,
//                    133010, 130472, 130497, 131030, 131051, 131052, 131053, unknown 4xx codes).
//                    An unreadable 200 is `fail` too: Meta may have accepted it, so a retry could
//                    send the message twice.

import { explainMetaError, isExplainedMetaError } from '@careline/whatsapp';
export type ErrorAction = 'retry' | 'throttle_number' | 'throttle_pair' | 'fail';

export interface GraphFailure {
  /** Meta's error code, when Meta answered with one. */
  code?: number | undefined;
  httpStatus?: number | undefined;
  /** A failure without Meta's answer. */
  local?: 'timeout' | 'network' | 'unexpected_response' | undefined;
}

const RETRY_CODES = new Set([131000, 131016, 131057, 4, 80007]);

export function errorAction(failure: GraphFailure): ErrorAction {
  const { code, httpStatus, local } = failure;
  if (local === 'timeout' || local === 'network') return 'retry';
  if (local === 'unexpected_response') return 'fail';
  if (code !== undefined) {
    if (code === 130429) return 'throttle_number';
    if (code === 131056) return 'throttle_pair';
    if (RETRY_CODES.has(code)) return 'retry';
    if (isExplainedMetaError(code) || (code >= 132000 && code <= 132999) || (code >= 200 && code <= 299)) return 'fail';
    // A code this table does not know: worth retrying only when Meta said it was its own fault.
    return httpStatus !== undefined && httpStatus >= 500 ? 'retry' : 'fail';
  }
  if (httpStatus === 429) return 'throttle_number';
  return httpStatus !== undefined && httpStatus >= 500 ? 'retry' : 'fail';
}

/** Failures that did not come from Meta, by Careline's code. */
const CARELINE_EXPLANATIONS: Readonly<Record<string, string>> = {
  unknown_channel: 'This WhatsApp number is not set up for the hospital in Careline. Contact your administrator.',
  unsupported_message_type: 'Careline cannot send this kind of message.',
  invalid_message: 'The message breaks a WhatsApp rule (for example a text that is too long). Change it and send again.',
  sealed_content_unreadable: 'Careline could not open the message to send it. Contact support.',
  timeout: 'WhatsApp did not answer in time. Try sending again.',
  network_error: 'WhatsApp could not be reached. Try sending again.',
  unexpected_response: 'WhatsApp’s answer could not be read; the message may or may not have been sent. Check the conversation before sending again.',
  invalid_credentials: 'The WhatsApp access token was refused. Contact your administrator.',
  graph_http_error: 'WhatsApp refused the request. Contact support if it happens again.',
  invalid_request: 'WhatsApp refused the request. Contact support if it happens again.',
};

/** The explanation shown to the care team for a failed send. */
export function explainFailure(failure: { metaErrorCode: number; code: string }): string {
  if (failure.metaErrorCode !== 0 || failure.code === '') return explainMetaError(failure.metaErrorCode);
  return CARELINE_EXPLANATIONS[failure.code] ?? 'The message could not be sent. Contact support if it happens again.';
}
