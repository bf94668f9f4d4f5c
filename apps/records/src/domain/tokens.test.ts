import { describe, expect, it } from 'vitest';
import { hashCode, hashToken, isTokenShaped, newCode, newToken, sameHash } from './tokens';

describe('release secrets', () => {
  it('makes 256-bit base64url tokens, stored only as a hash', () => {
    const token = newToken();
    expect(isTokenShaped(token)).toBe(true);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(newToken()).not.toBe(token);
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(token)).not.toContain(token);
    expect(isTokenShaped('../../etc/passwd')).toBe(false);
  });

  it('makes six-digit codes whose hash is bound to the share', () => {
    for (let i = 0; i < 50; i += 1) expect(newCode()).toMatch(/^\d{6}$/);
    const code = '123456';
    const hash = hashCode('share-a', 'token-hash-a', code);
    expect(sameHash(hash, hashCode('share-a', 'token-hash-a', code))).toBe(true);
    expect(sameHash(hash, hashCode('share-b', 'token-hash-a', code))).toBe(false);
    expect(sameHash(hash, hashCode('share-a', 'token-hash-a', '123457'))).toBe(false);
    expect(sameHash(hash, '')).toBe(false);
  });
});
