import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fallbackPostgresDir, repoRoot, resolveConfig } from './config';
import { InfraError } from './errors';

describe('resolveConfig', () => {
  it('defaults to the repo state dir and the well-known ports', () => {
    const cfg = resolveConfig({ env: {} });
    expect(cfg.stateDir).toBe(path.join(repoRoot, '.local'));
    expect([cfg.postgresPort, cfg.kafkaPort, cfg.controllerPort]).toEqual([5432, 9092, 9093]);
    expect(cfg.explicitDatabaseUrl).toBeUndefined();
    expect(cfg.explicitKafkaBrokers).toBeUndefined();
  });

  it('reads ports, state dir and explicit URLs from the environment', () => {
    const cfg = resolveConfig({
      env: {
        CARELINE_INFRA_DIR: '/tmp/x',
        CARELINE_PG_PORT: '15432',
        CARELINE_KAFKA_PORT: '19092',
        DATABASE_URL: 'postgres://u@db:5432/app',
        KAFKA_BROKERS: 'k1:9092,k2:9092',
      },
    });
    expect(cfg).toMatchObject({
      stateDir: '/tmp/x',
      postgresPort: 15432,
      kafkaPort: 19092,
      controllerPort: 19093,
      explicitDatabaseUrl: 'postgres://u@db:5432/app',
      explicitKafkaBrokers: 'k1:9092,k2:9092',
    });
  });

  it('lets options win over the environment and treats empty variables as unset', () => {
    const cfg = resolveConfig({ env: { CARELINE_PG_PORT: '1111', DATABASE_URL: '' }, postgresPort: 2222 });
    expect(cfg.postgresPort).toBe(2222);
    expect(cfg.explicitDatabaseUrl).toBeUndefined();
  });

  it('names the variable that is wrong', () => {
    expect(() => resolveConfig({ env: { CARELINE_KAFKA_PORT: 'ninety' } })).toThrow(InfraError);
    expect(() => resolveConfig({ env: { CARELINE_KAFKA_PORT: '70000' } })).toThrow(/CARELINE_KAFKA_PORT/);
  });
});

describe('fallbackPostgresDir', () => {
  it('is stable per state dir and different between state dirs', () => {
    expect(fallbackPostgresDir('/a/.local')).toBe(fallbackPostgresDir('/a/.local'));
    expect(fallbackPostgresDir('/a/.local')).not.toBe(fallbackPostgresDir('/b/.local'));
    expect(fallbackPostgresDir('/a/.local')).toMatch(/^\/var\/tmp\/careline-[0-9a-f]{10}\/postgres$/);
  });
});
