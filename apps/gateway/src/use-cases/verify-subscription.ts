// Meta's webhook verification handshake: when the callback URL is saved, Meta sends
// `hub.mode=subscribe`, the verify token entered in the App Dashboard and a challenge, and expects
// the challenge back. The verify token is unrelated to the app secret that signs POSTs.
import { createHash, timingSafeEqual } from 'node:crypto';

export interface SubscriptionRequest {
  mode: string | undefined;
  verifyToken: string | undefined;
  challenge: string | undefined;
}

/** Returns the challenge to echo, or undefined to refuse. */
export type VerifySubscription = (request: SubscriptionRequest) => string | undefined;

// Meta documents an integer; anything printable and short is accepted so that a format change on
// Meta's side does not break onboarding, but nothing that could make the echo a page.
const CHALLENGE = /^[\x21-\x7e]{1,256}$/;

export function createVerifySubscription(verifyToken: string): VerifySubscription {
  const expected = digest(verifyToken);
  return ({ mode, verifyToken: given, challenge }) => {
    if (mode !== 'subscribe' || given === undefined || challenge === undefined) return undefined;
    // Digests first: equal lengths for timingSafeEqual, and no early exit on the token's length.
    if (!timingSafeEqual(digest(given), expected)) return undefined;
    return CHALLENGE.test(challenge) ? challenge : undefined;
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
