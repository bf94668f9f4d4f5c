// Secrets of the release flow. The link token and the session cookie are 256-bit random values
// of which only a SHA-256 is stored (a database reader cannot rebuild a link). One-time codes are
// six digits, stored as an HMAC keyed by the share's own id and token hash, compared in constant
// time.
import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** A fresh 256-bit token, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Whether a string has the shape of a token (checked before any database lookup). */
export function isTokenShaped(value: string): boolean {
  return TOKEN.test(value);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Six digits, uniformly random. */
export function newCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

export function hashCode(shareId: string, tokenHash: string, code: string): string {
  return createHmac('sha256', tokenHash).update(shareId).update('\0').update(code).digest('hex');
}

export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
