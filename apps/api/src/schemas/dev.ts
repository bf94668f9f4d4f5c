import { devTokenRequestSchema } from '@careline/auth';
import { z } from 'zod';

export const devTokenBodySchema = devTokenRequestSchema.meta({
  id: 'DevTokenRequest',
  description: 'Who the token is for. `ttlSeconds` defaults to 3600 (at most a day).',
});

export const devTokenResponseSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().meta({ description: 'Seconds until the token expires.' }),
  })
  .meta({ id: 'DevTokenResponse', description: 'An OAuth 2.0-style token response.' });

export const jwksSchema = z
  .object({ keys: z.array(z.record(z.string(), z.unknown())) })
  .meta({ id: 'JsonWebKeySet', description: "The development issuer's public keys (RFC 7517)." });
