import type { Role } from './permissions';

/**
 * A break-glass elevation: emergency access to records beyond the principal's usual reach, limited
 * in time and justified by a reason that the granting flow records in the audit log. Nothing sets
 * it yet; the verifier never does (a token alone cannot elevate). See `activeElevation`.
 */
export interface Elevation {
  /** free text from the staff member; goes to the audit log, never to application logs */
  reason: string;
  grantedAt: Date;
  expiresAt: Date;
  /** the one patient the elevation is for, when it is scoped to a patient */
  patientId?: string;
}

/** Who is calling: one user (or integration client) acting in exactly one tenant. */
export interface Principal {
  /** `sub`: unique and stable per user at the issuer (HIPAA 164.312(a)(2)(i) unique user id) */
  subject: string;
  /** the hospital the token is for, lowercase uuid; the only tenant this principal may act in */
  tenantId: string;
  roles: readonly Role[];
  /** display name of the staff member, when the issuer sends `name` */
  name?: string;
  /** `jti`, for audit records and revocation lists */
  tokenId?: string;
  expiresAt: Date;
  elevation?: Elevation;
}
