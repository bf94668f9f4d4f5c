// Who is calling and what that means for a gRPC call: the token's tenant is the ONLY tenant the
// request may touch (nothing in a path, query or body can name another), and the subject is the
// actor that services record (e.g. as a message's `sent_by`).
import {
  AuthError,
  type Permission,
  type Principal,
  type TokenVerifier,
  requirePermission as requireAuthPermission,
} from '@careline/auth';
import {
  type Caller,
  type DomainError,
  permissionDenied,
  unauthenticated,
  unavailable,
} from '@careline/runtime';

/** The gRPC caller for a principal (see runtime's grpc-context: `user:<id>` for staff). */
export function callerOf(principal: Principal): Caller {
  return { tenantId: principal.tenantId, actor: `user:${principal.subject}`, roles: principal.roles };
}

/**
 * AuthError → DomainError, so the HTTP server's one error handler turns it into problem+json:
 * every `token_*` is a 401 with that code, `permission_denied` a 403 naming the permission, and
 * `issuer_unavailable` a 503 (the identity provider's keys could not be fetched: not the caller's
 * fault). AuthError messages never hold the token or a claim value, so they are safe to return.
 */
export function authFailure(error: AuthError): DomainError {
  switch (error.code) {
    case 'permission_denied':
      return permissionDenied('permission_denied', error.message, {
        details: error.permission === undefined ? undefined : { permission: error.permission },
      });
    case 'issuer_unavailable':
      return unavailable(
        'issuer_unavailable',
        'The identity provider could not be reached; try again shortly.',
        {
          cause: error,
        },
      );
    case 'token_missing':
    case 'token_malformed':
    case 'token_expired':
    case 'token_invalid_signature':
    case 'token_wrong_issuer':
    case 'token_wrong_audience':
    case 'token_alg_not_allowed':
    case 'token_claims_invalid':
      return unauthenticated(error.code, error.message);
  }
}

/** Anything thrown while authenticating, as the error the HTTP edge should see. */
export function asAuthFailure(error: unknown): unknown {
  return error instanceof AuthError ? authFailure(error) : error;
}

/** Throws a 403 DomainError unless the principal's roles grant `permission`. */
export function requirePermission(principal: Principal, permission: Permission): void {
  try {
    requireAuthPermission(principal, permission);
  } catch (error) {
    throw asAuthFailure(error);
  }
}

// Refusals that mean "this token is not from this issuer": the next trusted issuer may accept it.
const NOT_MINE = new Set<string>(['token_wrong_issuer', 'token_invalid_signature']);

/**
 * One verifier over several trusted issuers (the development issuer, then the configured OIDC
 * provider). Each is tried in order; a token that one of them does not recognise (wrong issuer,
 * or a signature by a key it does not hold) goes to the next, any other refusal is final, so an
 * expired dev token says `token_expired` rather than whatever the last issuer thought of it.
 */
export function combineVerifiers(verifiers: readonly TokenVerifier[]): TokenVerifier {
  if (verifiers.length === 0) throw new TypeError('at least one token verifier is required');
  return {
    async verify(input) {
      let lastError: unknown;
      for (const verifier of verifiers) {
        try {
          return await verifier.verify(input);
        } catch (error) {
          lastError = error;
          if (!(error instanceof AuthError) || !NOT_MINE.has(error.code)) throw error;
        }
      }
      throw lastError;
    },
  };
}
