import { describe, expect, it } from 'vitest';
import {
  defineMigrations,
  migrationChecksum,
  migrationsFromFiles,
  parseMigrationFileName,
} from './migrations';

describe('parseMigrationFileName', () => {
  it('reads the number and the name', () => {
    expect(parseMigrationFileName('0001_create_conversations.sql')).toEqual({
      version: 1,
      name: 'create_conversations',
    });
    expect(parseMigrationFileName('0042_v2.sql')).toEqual({ version: 42, name: 'v2' });
  });

  it.each([
    '1_create.sql',
    '00001_create.sql',
    '0001-create.sql',
    '0001_Create.sql',
    '0001_.sql',
    '0001_a__b.sql',
    '0001_a_.sql',
    '0001_create.SQL',
    '0001_create.sql.bak',
    'create.sql',
  ])('refuses %s', (fileName) => {
    expect(() => parseMigrationFileName(fileName)).toThrow(/not named NNNN_name\.sql/);
  });
});

describe('migrationsFromFiles', () => {
  it('sorts by number and computes checksums', () => {
    const migrations = migrationsFromFiles([
      { fileName: '0002_second.sql', sql: 'SELECT 2;' },
      { fileName: '0001_first.sql', sql: 'SELECT 1;' },
    ]);
    expect(migrations.map((m) => [m.version, m.name])).toEqual([
      [1, 'first'],
      [2, 'second'],
    ]);
    expect(migrations[0]!.checksum).toBe(migrationChecksum('SELECT 1;'));
    expect(migrations[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses two files with the same number', () => {
    expect(() =>
      migrationsFromFiles([
        { fileName: '0001_first.sql', sql: 'SELECT 1;' },
        { fileName: '0002_mine.sql', sql: 'SELECT 2;' },
        { fileName: '0002_theirs.sql', sql: 'SELECT 2;' },
      ]),
    ).toThrow(/0002_mine\.sql and 0002_theirs\.sql have the same number/);
  });

  it('refuses gaps and numbering that does not start at 0001', () => {
    expect(() =>
      migrationsFromFiles([
        { fileName: '0001_first.sql', sql: 'SELECT 1;' },
        { fileName: '0003_third.sql', sql: 'SELECT 3;' },
      ]),
    ).toThrow(/0003_third\.sql is out of sequence: expected number 0002/);
    expect(() => migrationsFromFiles([{ fileName: '0000_zero.sql', sql: 'SELECT 0;' }])).toThrow(
      /from 1 to 9999/,
    );
    expect(() => migrationsFromFiles([{ fileName: '0002_second.sql', sql: 'SELECT 2;' }])).toThrow(
      /expected number 0001/,
    );
  });

  it('refuses an empty migration', () => {
    expect(() => migrationsFromFiles([{ fileName: '0001_empty.sql', sql: ' \r\n ' }])).toThrow(
      /0001_empty\.sql is empty/,
    );
  });
});

describe('defineMigrations', () => {
  it('refuses names that would not make a valid file name', () => {
    expect(() => defineMigrations([{ version: 1, name: 'Create Table', sql: 'SELECT 1;' }])).toThrow(
      /lower-case words/,
    );
    expect(() => defineMigrations([{ version: 1.5, name: 'half', sql: 'SELECT 1;' }])).toThrow(/integer/);
  });
});

describe('migrationChecksum', () => {
  it('ignores line endings and a byte-order mark, nothing else', () => {
    const sql = 'CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n';
    expect(migrationChecksum(sql.replace(/\n/g, '\r\n'))).toBe(migrationChecksum(sql));
    expect(migrationChecksum(`\uFEFF${sql}`)).toBe(migrationChecksum(sql));
    expect(migrationChecksum(sql.replace('a (id', 'a  (id'))).not.toBe(migrationChecksum(sql));
  });
});
