// The console server's configuration: the common environment plus where the api is (handed to
// the browser at GET /config.json, and the only origin the page may connect to), the inactivity
// sign-out, and the development sign-in switch. Parsed once at start; a bad value fails with one
// line naming the variable.
import { baseEnv, bool, httpEnv, int, str, url } from '@careline/runtime';
import { z } from 'zod';

export const configSchema = z.object({
  ...baseEnv,
  ...httpEnv(8087),
  /** The api's public origin as the browser reaches it, e.g. https://api.hospital.example. */
  CONSOLE_API_URL: url({ protocols: ['http', 'https'] }),
  /** Minutes without a key press or click before the console signs the user out. */
  CONSOLE_IDLE_MINUTES: int({ min: 1, max: 720 }).default(15),
  /** Offer the api's development issuer on the sign-in page (`npm start`, tests). Never in production. */
  CONSOLE_DEV_SIGN_IN: bool().default(false),
  /** Pre-fills the tenant on the development sign-in form (the demo hospital). */
  CONSOLE_DEV_TENANT_ID: str().optional(),
  /** Where the built browser app is; default: `public/` next to the server bundle. */
  CONSOLE_PUBLIC_DIR: str().optional(),
});

export type Config = z.output<typeof configSchema>;
