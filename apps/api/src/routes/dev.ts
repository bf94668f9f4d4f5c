// The development issuer's endpoints. Registered only when CARELINE_DEV_AUTH=true; absent
// otherwise (404 like any unknown route), so there is nothing to switch off in production.
import type { DevIssuer } from '@careline/auth';
import type { Router } from '../http/router';
import { devTokenBodySchema, devTokenResponseSchema, jwksSchema } from '../schemas/dev';

const DEFAULT_TTL_SECONDS = 3600;

export function registerDevRoutes(router: Router, issuer: DevIssuer): void {
  router.route({
    method: 'POST',
    path: '/dev/token',
    operationId: 'mintDevToken',
    summary: 'Mint a development token',
    description:
      'Signs an access token for any subject, tenant and roles. Development only: a production api does not serve this route, and its verifier does not trust this issuer.',
    tags: ['development'],
    access: 'public',
    body: devTokenBodySchema,
    response: { status: 200, description: 'The token.', schema: devTokenResponseSchema },
    handler: async ({ body }) => ({
      access_token: await issuer.mint(body),
      token_type: 'Bearer' as const,
      expires_in: body.ttlSeconds ?? DEFAULT_TTL_SECONDS,
    }),
  });

  router.route({
    method: 'GET',
    path: '/dev/jwks.json',
    operationId: 'getDevJwks',
    summary: "The development issuer's public keys",
    tags: ['development'],
    access: 'public',
    response: { status: 200, description: 'A JSON Web Key Set.', schema: jwksSchema },
    handler: () => issuer.publicJwks(),
  });
}
