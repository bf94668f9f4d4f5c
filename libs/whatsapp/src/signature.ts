import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header Meta signs every webhook POST with (lower case, as Node's http module reports it). */
export const SIGNATURE_HEADER = 'x-hub-signature-256';

// Meta sends `sha256=` and 64 lowercase hex digits. Uppercase hex is rejected on purpose: accepting
// it would add no security, and staying exact lets our verifier catch a simulator (or proxy) that
// drifts from Meta's format.
const HEADER_FORMAT = /^sha256=([0-9a-f]{64})$/;

/** `sha256=<lowercase hex>` of HMAC-SHA256 over the exact bytes, keyed with the App Secret. */
export function signBody(raw: Uint8Array | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`;
}

/**
 * Checks `X-Hub-Signature-256` against the raw body before anything parses it. Several secrets may be
 * given so that one endpoint serves several Meta apps; the body passes if any of them signed it.
 * Never throws: a missing, malformed or wrong-length header, an empty secret or an empty secret list
 * all mean "not signed by us".
 */
export function verifySignature(
  rawBody: Uint8Array,
  header: string | undefined,
  appSecret: string | readonly string[],
): boolean {
  return matchSignature(rawBody, header, typeof appSecret === 'string' ? [appSecret] : appSecret) >= 0;
}

/**
 * Like `verifySignature`, but says which secret signed the body (its index, or -1). With several
 * apps on one endpoint, the caller must then check that this app owns every phone_number_id in the
 * payload; otherwise one app could post events for another app's numbers.
 */
export function matchSignature(
  rawBody: Uint8Array,
  header: string | undefined,
  appSecrets: readonly string[],
): number {
  try {
    if (typeof header !== 'string') return -1;
    const hex = HEADER_FORMAT.exec(header)?.[1];
    if (hex === undefined) return -1;
    const claimed = Buffer.from(hex, 'hex');
    let matched = -1;
    // Every secret is tried, so the time taken does not depend on which one (if any) matches.
    appSecrets.forEach((secret, index) => {
      // An empty key is a configuration mistake, and anyone could sign with it.
      if (typeof secret !== 'string' || secret.length === 0) return;
      const expected = createHmac('sha256', secret).update(rawBody).digest();
      if (matched < 0 && expected.length === claimed.length && timingSafeEqual(expected, claimed))
        matched = index;
    });
    return matched;
  } catch {
    // e.g. a body that is not bytes at run time; the contract is an answer, never an exception.
    return -1;
  }
}
