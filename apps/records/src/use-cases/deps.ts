// What the use-cases are built from (factory arguments; no container, no module state).
import { type Sealer } from '@careline/crypto';
import { type Pool } from '@careline/db';
import { type Logger } from '@careline/runtime';
import { type ReleaseConfig } from '../config';
import { type BlobStore } from '../db/blobs';
import { type AtRest } from '../domain/sealing';
import { type Keywords } from '../domain/self-service';
import { type MessagingClient } from '../messaging-client';
import { type RecordsMetrics } from '../metrics';

export interface UseCaseDeps {
  pool: Pool;
  sealer: Sealer;
  atRest: AtRest;
  blobs: BlobStore;
  messaging: MessagingClient;
  /** Injectable so tests can move time (link and code expiry). */
  clock: () => Date;
  logger: Logger;
  release: ReleaseConfig;
  documentMaxBytes: number;
  /** What asks for results in chat (self-service.ts); default DEFAULT_KEYWORDS. */
  selfServiceKeywords?: Keywords;
  /** records' Prometheus series (metrics.ts); none in tests that do not look. */
  metrics?: RecordsMetrics;
}
