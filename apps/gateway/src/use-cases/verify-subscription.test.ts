import { describe, expect, it } from 'vitest';
import { createVerifySubscription } from './verify-subscription';

describe('verifySubscription', () => {
  const verify = createVerifySubscription('the-verify-token');

  it('returns the challenge for subscribe with the right token', () => {
    expect(verify({ mode: 'subscribe', verifyToken: 'the-verify-token', challenge: '1158201444' })).toBe('1158201444');
  });

  it.each([
    ['a wrong token', { mode: 'subscribe', verifyToken: 'the-verify-tokeN', challenge: '1' }],
    ['a token prefix', { mode: 'subscribe', verifyToken: 'the-verify', challenge: '1' }],
    ['no token', { mode: 'subscribe', verifyToken: undefined, challenge: '1' }],
    ['another mode', { mode: 'unsubscribe', verifyToken: 'the-verify-token', challenge: '1' }],
    ['no challenge', { mode: 'subscribe', verifyToken: 'the-verify-token', challenge: undefined }],
    ['markup as challenge', { mode: 'subscribe', verifyToken: 'the-verify-token', challenge: '<script> x' }],
  ])('refuses %s', (_case, request) => {
    expect(verify(request)).toBeUndefined();
  });
});
