import { createHash } from 'node:crypto';
import pg from 'pg';

const identifierPattern = /^[a-z_][a-z0-9_]*$/;

/** The schema name spliced into SQL, validated (same rule as @careline/db) and quoted. */
export function qualified(schema: string, table: string): string {
  if (!identifierPattern.test(schema) || schema.length > 63) {
    throw new TypeError(`schema name ${JSON.stringify(schema)} is not valid: use lower-case letters, digits and underscores`);
  }
  return `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)}`;
}

/**
 * A stable 64-bit advisory-lock key, derived from SHA-256 (not Postgres' internal `hashtext`) so
 * that every replica and every server version agree on it.
 */
export function advisoryLockKey(purpose: string, name: string): string {
  return createHash('sha256').update(`careline:${purpose}:${name}`).digest().readBigInt64BE(0).toString();
}
