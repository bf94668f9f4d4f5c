import { describe, expect, it } from 'vitest';
import { describeDatabaseTarget } from './pool';

describe('describeDatabaseTarget', () => {
  it('names host, port and database, never the user or password', () => {
    const target = describeDatabaseTarget('postgres://svc:s3cret@db.internal:6543/careline?sslmode=require');
    expect(target).toEqual({ hostPort: 'db.internal:6543', database: 'careline' });
    expect(JSON.stringify(target)).not.toContain('s3cret');
  });

  it('defaults the port and reads a socket directory from ?host=', () => {
    expect(describeDatabaseTarget('postgres://127.0.0.1/postgres')).toEqual({
      hostPort: '127.0.0.1:5432',
      database: 'postgres',
    });
    expect(describeDatabaseTarget('postgres:///careline?host=/var/run/postgresql')).toEqual({
      hostPort: '/var/run/postgresql:5432',
      database: 'careline',
    });
  });

  it('does not echo an unparsable URL, which may hold a password', () => {
    expect(JSON.stringify(describeDatabaseTarget('postgres://u:pa ss@'))).not.toContain('pa ss');
  });
});
