import type { Permission } from './permissions';

/**
 * Stable codes. `api` maps them to HTTP once: `permission_denied` → 403, `issuer_unavailable` → 503
 * (the identity provider's keys could not be fetched: not the caller's fault), every `token_*` → 401.
 */
export const AUTH_ERROR_CODES = [
  'token_missing',
  'token_malformed',
  'token_expired',
  'token_invalid_signature',
  'token_wrong_issuer',
  'token_wrong_audience',
  'token_alg_not_allowed',
  'token_claims_invalid',
  'issuer_unavailable',
  'permission_denied',
] as const;

export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

/**
 * Raised for every refused token or permission. Messages name the rule that failed, never the token
 * or a claim value, so they are safe to log and to return to the caller.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code: AuthErrorCode;
  /** set for `permission_denied`: the permission that was required */
  readonly permission: Permission | undefined;

  constructor(code: AuthErrorCode, message: string, options?: { permission?: Permission; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.permission = options?.permission;
  }
}
