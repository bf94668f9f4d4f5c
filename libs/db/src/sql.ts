// Small SQL helpers shared by the modules of this library. Schema and role names are spliced into
// DDL (utility statements take no bind parameters), so they are validated and quoted here, in one
// place, instead of trusting each caller.
import { createHash } from 'node:crypto';
import pg from 'pg';

const identifierPattern = /^[a-z_][a-z0-9_]*$/;

/**
 * Checks a schema, role or component name: lower-case letters, digits and underscores, starting
 * with a letter or underscore, at most 63 bytes (Postgres truncates longer names silently, which
 * would make two different names collide).
 */
export function assertIdentifier(kind: string, value: string): void {
  if (!identifierPattern.test(value) || value.length > 63) {
    throw new TypeError(
      `${kind} name ${JSON.stringify(value)} is not valid: use lower-case letters, digits and underscores (at most 63)`,
    );
  }
  if (value.startsWith('pg_')) {
    throw new TypeError(
      `${kind} name ${JSON.stringify(value)} is not valid: the pg_ prefix is reserved by Postgres`,
    );
  }
}

export function quoteIdentifier(value: string): string {
  return pg.escapeIdentifier(value);
}

export function quoteLiteral(value: string): string {
  return pg.escapeLiteral(value);
}

/**
 * A stable 64-bit advisory-lock key for a purpose and a name. Derived from SHA-256 rather than
 * Postgres' `hashtext` (internal, may change between major versions) so that processes running
 * different server versions, or the same code years apart, agree on the key.
 */
export function advisoryLockKey(purpose: string, name: string): string {
  const digest = createHash('sha256').update(`careline:${purpose}:${name}`).digest();
  return digest.readBigInt64BE(0).toString();
}
