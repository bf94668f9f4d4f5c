// What scheduling's use-cases are built from (passed by the composition root, or by tests).
import { type Sealer } from '@careline/crypto';
import { type Pool } from '@careline/db';
import { type Logger } from '@careline/runtime';
import { type AtRest } from '../domain/sealing';

export interface UseCaseDeps {
  pool: Pool;
  sealer: Sealer;
  atRest: AtRest;
  /** The injectable clock: tests move it to make reminders due and appointments end. */
  clock: () => Date;
  logger: Logger;
}
