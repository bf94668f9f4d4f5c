import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { scramSha256Verifier, serviceDatabaseUrl } from './roles';

describe('serviceDatabaseUrl', () => {
  it('swaps in the role and drops the admin password', () => {
    const url = serviceDatabaseUrl(
      'postgres://postgres:admin-secret@db.internal:6543/careline?sslmode=require',
      'messaging',
    );
    expect(url).toBe('postgres://messaging@db.internal:6543/careline?sslmode=require');
  });

  it('encodes the service password so that it round-trips', () => {
    const url = new URL(
      serviceDatabaseUrl('postgres://postgres@127.0.0.1:5432/postgres', 'records', 'p@ss:w/rd#1'),
    );
    expect(url.username).toBe('records');
    expect(decodeURIComponent(url.password)).toBe('p@ss:w/rd#1');
    expect(url.host).toBe('127.0.0.1:5432');
  });

  it('removes user and password query parameters that would override the role', () => {
    const url = serviceDatabaseUrl('postgres://127.0.0.1/db?user=postgres&password=admin-secret', 'audit');
    expect(url).not.toContain('admin-secret');
    expect(new URL(url).searchParams.has('user')).toBe(false);
  });

  it('refuses URLs that are not postgres URLs and invalid role names', () => {
    expect(() => serviceDatabaseUrl('mysql://root@localhost/db', 'audit')).toThrow(/postgres:\/\//);
    expect(() => serviceDatabaseUrl('not a url', 'audit')).toThrow(/not a valid URL/);
    expect(() => serviceDatabaseUrl('postgres://localhost/db', 'Audit"; DROP')).toThrow(/not valid/);
  });
});

describe('scramSha256Verifier', () => {
  // RFC 7677 section 3: user "user", password "pencil". A verifier is right when the client proof
  // of the RFC's exchange, checked the way the server checks it, matches its StoredKey, and its
  // ServerKey produces the RFC's server signature.
  it('verifies the RFC 7677 example exchange', () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const verifier = scramSha256Verifier('pencil', salt, 4096);
    const match = /^SCRAM-SHA-256\$4096:([^$]+)\$([^:]+):(.+)$/.exec(verifier);
    expect(match).not.toBeNull();
    const [, saltB64, storedKeyB64, serverKeyB64] = match!;
    expect(saltB64).toBe('W22ZaJ0SNY7soEsUEjb6gQ==');

    const nonce = 'rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    const authMessage = `n=user,r=rOprNGfwEbeRWgbNEkqO,r=${nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=${nonce}`;
    const storedKey = Buffer.from(storedKeyB64!, 'base64');
    const clientSignature = createHmac('sha256', storedKey).update(authMessage).digest();
    const proof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
    const clientKey = Buffer.from(proof.map((byte, i) => byte ^ clientSignature[i]!));
    expect(createHash('sha256').update(clientKey).digest().equals(storedKey)).toBe(true);

    const serverSignature = createHmac('sha256', Buffer.from(serverKeyB64!, 'base64'))
      .update(authMessage)
      .digest('base64');
    expect(serverSignature).toBe('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  });

  it('never contains the password and salts every call', () => {
    const a = scramSha256Verifier('correct horse');
    expect(a).not.toContain('correct horse');
    expect(scramSha256Verifier('correct horse')).not.toBe(a);
  });
});
