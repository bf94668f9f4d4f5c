import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConfigError,
  bool,
  brokers,
  durationMs,
  int,
  list,
  loadConfig,
  logLevel,
  oneOf,
  port,
  secret,
  str,
  url,
} from './config';

const schema = z.object({
  PORT: port().default(8080),
  KAFKA_BROKERS: brokers(),
  DATABASE_URL: url({ protocols: ['postgres', 'postgresql'] }),
  LOG_LEVEL: logLevel().default('info'),
  SEND_TIMEOUT: durationMs().default(5000),
  DRY_RUN: bool().default(false),
  APP_SECRET: secret(),
});

const valid = {
  KAFKA_BROKERS: 'localhost:9092, kafka-2:9093',
  DATABASE_URL: 'postgres://careline@localhost:5432/careline',
  APP_SECRET: 's3cr3t',
};

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('returns the typed config with defaults applied', () => {
    const config = loadConfig(schema, valid);
    expect(config).toEqual({
      PORT: 8080,
      KAFKA_BROKERS: ['localhost:9092', 'kafka-2:9093'],
      DATABASE_URL: 'postgres://careline@localhost:5432/careline',
      LOG_LEVEL: 'info',
      SEND_TIMEOUT: 5000,
      DRY_RUN: false,
      APP_SECRET: 's3cr3t',
    });
  });

  it('parses each helper from its string form', () => {
    const config = loadConfig(schema, { ...valid, PORT: '9000', LOG_LEVEL: 'DEBUG', SEND_TIMEOUT: '30s', DRY_RUN: '1' });
    expect(config.PORT).toBe(9000);
    expect(config.LOG_LEVEL).toBe('debug');
    expect(config.SEND_TIMEOUT).toBe(30_000);
    expect(config.DRY_RUN).toBe(true);
  });

  it('names a missing variable and a bad value in one line, in schema order', () => {
    const { KAFKA_BROKERS: _omitted, ...rest } = valid;
    const error = configError(() => loadConfig(schema, { ...rest, PORT: 'abc' }));
    expect(error.message).toBe('PORT must be an integer 1-65535 (got "abc"); KAFKA_BROKERS is required');
    expect(error.message).not.toContain('\n');
    expect(error.problems.map((p) => p.variable)).toEqual(['PORT', 'KAFKA_BROKERS']);
  });

  it('treats an empty variable as unset', () => {
    const error = configError(() => loadConfig(schema, { ...valid, KAFKA_BROKERS: '' }));
    expect(error.message).toBe('KAFKA_BROKERS is required');
  });

  it('never echoes the value of a secret variable', () => {
    const marker = 'MARKER-9f8e7d';
    // HMAC_SEED is secret only because it is declared with secret(); SIGNING_KEY only by its name.
    const strict = z.object({ HMAC_SEED: secret().pipe(z.string().min(40)), SIGNING_KEY: int() });
    const error = configError(() => loadConfig(strict, { HMAC_SEED: marker, SIGNING_KEY: marker }));
    expect(error.message).toContain('HMAC_SEED is invalid (too small');
    // Named like a credential: not echoed even though it is not declared with secret().
    expect(error.message).toContain('SIGNING_KEY must be an integer');
    expect(error.message).not.toContain(marker);
  });

  it('masks credentials in an echoed URL', () => {
    const error = configError(() => loadConfig(schema, { ...valid, DATABASE_URL: 'mysql://admin:hunter2@db/x' }));
    expect(error.message).toBe('DATABASE_URL must be an absolute postgres or postgresql URL (got "mysql://***@db/x")');
  });

  it('reads <VAR>_FILE and never echoes what the file held', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runtime-config-'));
    writeFileSync(join(dir, 'secret'), 'from-file\n');
    writeFileSync(join(dir, 'port'), 'not-a-port-MARKER\n');
    const { APP_SECRET: _omitted, ...rest } = valid;
    expect(loadConfig(schema, { ...rest, APP_SECRET_FILE: join(dir, 'secret') }).APP_SECRET).toBe('from-file');
    const error = configError(() => loadConfig(schema, { ...valid, PORT_FILE: join(dir, 'port') }));
    expect(error.message).toBe('PORT must be an integer 1-65535');
  });

  it('rejects a variable set both directly and through _FILE, and an unreadable file', () => {
    const error = configError(() =>
      loadConfig(schema, { ...valid, APP_SECRET_FILE: '/nonexistent/secret', DATABASE_URL_FILE: '/nonexistent/url' }),
    );
    expect(error.message).toBe(
      'DATABASE_URL and DATABASE_URL_FILE are both set (set only one); APP_SECRET and APP_SECRET_FILE are both set (set only one)',
    );
    const { APP_SECRET: _omitted, ...rest } = valid;
    const unreadable = configError(() => loadConfig(schema, { ...rest, APP_SECRET_FILE: '/nonexistent/secret' }));
    expect(unreadable.message).toBe('APP_SECRET cannot be read from APP_SECRET_FILE (ENOENT)');
  });

  it('supports mapping variable names to a camelCase config with a transform', () => {
    const mapped = z.object({ PORT: port(), PEERS: list() }).transform((env) => ({ port: env.PORT, peers: env.PEERS }));
    expect(loadConfig(mapped, { PORT: '1', PEERS: 'a, b' })).toEqual({ port: 1, peers: ['a', 'b'] });
    expect(configError(() => loadConfig(mapped, { PEERS: 'a' })).message).toBe('PORT is required');
  });

  it.each([
    ['PORT', '0', port(), 'must be an integer 1-65535'],
    ['PORT', '65536', port(), 'must be an integer 1-65535'],
    ['BROKERS', 'localhost', brokers(), 'must be a comma-separated list of host:port'],
    ['BROKERS', 'a:1,b:x', brokers(), 'must be a comma-separated list of host:port'],
    ['TIMEOUT', '5 minutes', durationMs(), 'must be a duration like 500, 500ms, 30s, 5m or 1h'],
    ['FLAG', 'yes', bool(), 'must be true, false, 1 or 0'],
    ['LEVEL', 'verbose', logLevel(), 'must be one of fatal, error, warn, info, debug, trace, silent'],
    ['MODE', 'c', oneOf(['a', 'b']), 'must be one of a, b'],
    ['URL', 'not a url', url(), 'must be an absolute URL'],
    ['COUNT', '11', int({ min: 1, max: 10 }), 'must be an integer 1-10'],
    ['NAME', ' ', str(), undefined],
  ])('%s rejects %j', (variable, value, field, rule) => {
    const run = () => loadConfig(z.object({ [variable]: field }), { [variable]: value });
    if (rule === undefined) {
      expect(run()).toEqual({ [variable]: ' ' });
      return;
    }
    expect(configError(run).message).toBe(`${variable} ${rule} (got ${JSON.stringify(value)})`);
  });

  it('parses durations in every unit and broker hosts in every form', () => {
    const s = z.object({ D: durationMs(), B: brokers() });
    expect(loadConfig(s, { D: '250ms', B: '[::1]:9092,10.0.0.1:1' })).toEqual({ D: 250, B: ['[::1]:9092', '10.0.0.1:1'] });
    expect(loadConfig(s, { D: '2h', B: 'k:1' }).D).toBe(7_200_000);
    expect(loadConfig(s, { D: '3m', B: 'k:1' }).D).toBe(180_000);
    expect(loadConfig(s, { D: '42', B: 'k:1' }).D).toBe(42);
  });

  it('names plain zod rules too, without echoing secrets', () => {
    const s = z.object({ REGION: z.string().min(3), API_TOKEN: z.string().min(10) });
    const error = configError(() => loadConfig(s, { REGION: 'x', API_TOKEN: 'MARKER' }));
    expect(error.message).toMatch(/^REGION is invalid \(too small: .*\) \(got "x"\); API_TOKEN is invalid \(too small: [^)]*\)$/);
    expect(error.message).not.toContain('MARKER');
  });
});
