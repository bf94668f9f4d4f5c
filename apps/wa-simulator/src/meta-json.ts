// Meta serialises webhook bodies with every non-ASCII character escaped as `\uXXXX` (lower-case
// hex, UTF-16 code units, so an emoji becomes a surrogate pair). A receiver that re-serialises the
// parsed JSON therefore computes a different HMAC: the body must be serialised exactly once, and
// the signed bytes are the bytes sent.

const NON_ASCII = /[\u0080-\uffff]/g;

export function serializeLikeMeta(value: unknown, options: { escapeSlashes: boolean }): string {
  const json = JSON.stringify(value);
  // a `/` only ever occurs inside string literals in JSON, so escaping it textually is safe
  const ascii = json.replace(NON_ASCII, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return options.escapeSlashes ? ascii.replaceAll('/', '\\/') : ascii;
}
