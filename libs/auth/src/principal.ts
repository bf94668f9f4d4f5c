import type { Role } from './permissions';

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
}
