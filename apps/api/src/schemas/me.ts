import { PERMISSION_NAMES, ROLES } from '@careline/auth';
import { z } from 'zod';
import { dateTime } from './common';

export const meSchema = z
  .object({
    subject: z
      .string()
      .meta({ description: "The token's `sub`: the user's stable id at the identity provider." }),
    tenantId: z
      .string()
      .meta({ description: 'The hospital (tenant) the token is for; every request acts in it.' }),
    name: z.string().nullable(),
    roles: z.array(z.enum(ROLES)),
    permissions: z
      .array(z.enum(PERMISSION_NAMES as [string, ...string[]]))
      .meta({ description: 'What the roles allow; the console shows or hides actions by these.' }),
    expiresAt: dateTime().meta({ description: 'When the token expires.' }),
  })
  .meta({ id: 'Me', description: 'The caller as the token describes them.' });
