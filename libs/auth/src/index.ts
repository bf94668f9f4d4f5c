// @careline/auth: bearer-token verification (OIDC JWT), a local development issuer, roles and the
// permission table.
export { AuthError, AUTH_ERROR_CODES, type AuthErrorCode } from './errors';
export { CLAIMS, roleSchema, tenantIdSchema } from './claims';
export type { Principal } from './principal';
export {
  ROLES,
  PLATFORM_OPERATOR_ROLE,
  isPlatformOperator,
  PERMISSIONS,
  PERMISSION_NAMES,
  can,
  requirePermission,
  permissionsForRoles,
  type Role,
  type Permission,
} from './permissions';
export {
  createTokenVerifier,
  ASYMMETRIC_ALGORITHMS,
  type AsymmetricAlgorithm,
  type JwksSource,
  type TokenVerifier,
  type TokenVerifierOptions,
} from './verifier';
export {
  createDevIssuer,
  devTokenRequestSchema,
  type DevIssuer,
  type DevIssuerOptions,
  type DevTokenRequest,
} from './dev-issuer';
