import { type Queryable } from '@careline/db';
import { qualified } from './sql';

/**
 * Deletes dedupe rows older than `olderThanMs`. The window must be longer than any redelivery can
 * come late (topic retention, the longest consumer outage you would replay after); a week or more.
 * Returns how many rows went. Run it from a periodic job; the index on processed_at keeps it cheap.
 */
export async function pruneProcessedEvents(db: Queryable, schema: string, olderThanMs: number): Promise<number> {
  if (!Number.isFinite(olderThanMs) || olderThanMs < 0) throw new TypeError('olderThanMs must be a non-negative number');
  const result = await db.query(`DELETE FROM ${qualified(schema, 'processed_events')} WHERE processed_at < now() - make_interval(secs => $1)`, [
    olderThanMs / 1000,
  ]);
  return result.rowCount ?? 0;
}
