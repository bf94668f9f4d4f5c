// What the use-cases are built from (factory arguments; no container, no module state).
import { type Pool } from '@careline/db';
import { type Sealer } from '@careline/crypto';
import { type Logger } from '@careline/runtime';
import { type AtRest } from '../domain/sealing';
import { type PatientKeys } from './patient-keys';
import { type MessagingMetrics } from '../metrics';
import { type TemplateSource } from './templates';

export interface UseCaseDeps {
  pool: Pool;
  sealer: Sealer;
  /** Opens every sealed column (tenant-key and patient-key values); seals non-patient values with the tenant key. */
  atRest: AtRest;
  /** Seals patient-specific values with the patient's own key (crypto-shredding, issue 7). */
  patientKeys: PatientKeys;
  /** Injectable so tests can move time (the 24-hour window). */
  clock: () => Date;
  logger: Logger;
  /** Counts refusals; app.ts passes the app's, tests may leave it out. */
  metrics?: MessagingMetrics;
  /** Meta's templates through the gateway; without it SyncTemplates fails and sends use the registry as it is. */
  templateSource?: TemplateSource;
}

/** The envelope facts a Kafka handler passes to a use-case. */
export interface EventContext {
  /** `ce_id` */
  id: string;
  /** `ce_tenantid`: the transaction's tenant. */
  tenantId: string;
}
