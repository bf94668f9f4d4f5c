// What the use-cases are built from (factory arguments; no container, no module state).
import { type Pool } from '@careline/db';
import { type Sealer } from '@careline/crypto';
import { type Logger } from '@careline/runtime';
import { type AtRest } from '../domain/sealing';

export interface UseCaseDeps {
  pool: Pool;
  sealer: Sealer;
  atRest: AtRest;
  /** Injectable so tests can move time (the 24-hour window). */
  clock: () => Date;
  logger: Logger;
}

/** The envelope facts a Kafka handler passes to a use-case. */
export interface EventContext {
  /** `ce_id` */
  id: string;
  /** `ce_tenantid`: the transaction's tenant. */
  tenantId: string;
}
