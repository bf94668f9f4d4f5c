import { ConfigError, loadConfig } from '@careline/runtime';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WEBHOOK_MAX_BYTES, configSchema } from './config';
import { SECRET_MARKER, channelFixtures, gatewayEnv } from './test/fixtures';

function configError(env: Record<string, string | undefined>, readFile?: (path: string) => string): string {
  try {
    loadConfig(configSchema, env, readFile ? { readFile } : {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('gateway configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(configSchema, gatewayEnv({ HTTP_PORT: undefined, GRPC_PORT: undefined, HTTP_HOST: undefined }));
    expect(config.http).toEqual({ host: '0.0.0.0', port: 8081 });
    expect(config.grpc.port).toBe(50055);
    expect(config.graph).toEqual({ baseUrl: 'https://graph.facebook.com', version: 'v23.0', timeoutMs: 10_000 });
    expect(config.webhookMaxBytes).toBe(DEFAULT_WEBHOOK_MAX_BYTES);
    expect(config.webhookMaxBytes).toBeGreaterThan(3_000_000);
    expect(config.kafka).toMatchObject({ topicPrefix: '', clientId: 'careline-gateway', publishTimeoutMs: 5_000, ensureTopics: true });
    expect(config.channels.map((c) => c.phoneNumberId)).toEqual(channelFixtures().map((c) => c.phone_number_id));
  });

  it('sends at WhatsApp’s default limits unless told otherwise', () => {
    const config = loadConfig(configSchema, gatewayEnv());
    expect(config.outbound).toMatchObject({
      throughputMps: 80,
      throughputSharePercent: 100,
      pair: { intervalMs: 6_000, burst: 45 },
      partitionsConcurrently: 4,
      inPartitionConcurrency: 1,
    });
    expect(loadConfig(configSchema, gatewayEnv({ GATEWAY_THROUGHPUT_MPS: '1000' })).outbound.throughputMps).toBe(1000);
    expect(configError(gatewayEnv({ GATEWAY_THROUGHPUT_MPS: '1001' }))).toMatch(/^GATEWAY_THROUGHPUT_MPS /);
    expect(configError(gatewayEnv({ GATEWAY_THROUGHPUT_SHARE_PERCENT: '0' }))).toMatch(/^GATEWAY_THROUGHPUT_SHARE_PERCENT /);
  });

  it('refuses a pool too small for the commands sent at once (partitions × commands per partition)', () => {
    expect(configError(gatewayEnv({ OUTBOUND_PARTITIONS_CONCURRENTLY: '8', DATABASE_POOL_MAX: '10' }))).toBe(
      'DATABASE_POOL_MAX must be at least 17 (2 × OUTBOUND_PARTITIONS_CONCURRENTLY × OUTBOUND_IN_PARTITION_CONCURRENCY + 1) (got "10")',
    );
    expect(configError(gatewayEnv({ OUTBOUND_PARTITIONS_CONCURRENTLY: '3', OUTBOUND_IN_PARTITION_CONCURRENCY: '16', DATABASE_POOL_MAX: '96' }))).toMatch(
      /^DATABASE_POOL_MAX must be at least 97 /,
    );
    const sized = loadConfig(
      configSchema,
      gatewayEnv({ OUTBOUND_PARTITIONS_CONCURRENTLY: '3', OUTBOUND_IN_PARTITION_CONCURRENCY: '16', DATABASE_POOL_MAX: '97' }),
    );
    expect(sized.outbound.inPartitionConcurrency).toBe(16);
    expect(configError(gatewayEnv({ OUTBOUND_IN_PARTITION_CONCURRENCY: '0' }))).toMatch(/^OUTBOUND_IN_PARTITION_CONCURRENCY /);
  });

  it('reads the channel registry from GATEWAY_CHANNELS_FILE', () => {
    const files = new Map([['/run/channels.json', JSON.stringify(channelFixtures().slice(0, 1))]]);
    const config = loadConfig(configSchema, gatewayEnv({ GATEWAY_CHANNELS: undefined, GATEWAY_CHANNELS_FILE: '/run/channels.json' }), {
      readFile: (path) => files.get(path) ?? '',
    });
    expect(config.channels).toHaveLength(1);
    expect(config.channels[0]).toMatchObject({ phoneNumberId: '106540352242922', tenantId: '6f1d2c3b-4a59-4e8f-9b0a-1c2d3e4f5a6b' });
  });

  it('names the bad entry and field of a broken registry in one line, without any secret', () => {
    const broken = channelFixtures();
    broken[1]!.tenant_id = `not-a-uuid-${SECRET_MARKER}`;
    const message = configError(gatewayEnv({ GATEWAY_CHANNELS: JSON.stringify(broken) }));
    expect(message).toBe('GATEWAY_CHANNELS is invalid (entry 1 tenant_id must be a UUID)');
    expect(message).not.toContain(SECRET_MARKER);
  });

  it.each([
    ['not JSON', `{${SECRET_MARKER}`, 'is not valid JSON'],
    ['not an array', '{}', 'must be a JSON array of channels'],
    ['a missing field', JSON.stringify([{ ...channelFixtures()[0], app_secret: undefined }]), 'is invalid (entry 0 app_secret is missing)'],
    ['a short secret', JSON.stringify([{ ...channelFixtures()[0], access_token: 'short' }]), 'is invalid (entry 0 access_token must be 8 to 4096 visible ASCII characters)'],
    ['an unknown field', JSON.stringify([{ ...channelFixtures()[0], apptoken: SECRET_MARKER }]), 'is invalid (entry 0 has unknown fields (apptoken))'],
    ['a duplicate number', JSON.stringify([channelFixtures()[0], channelFixtures()[0]]), 'is invalid (entry 1 phone_number_id 106540352242922 is listed twice)'],
    ['a WABA of two tenants', JSON.stringify([channelFixtures()[0], { ...channelFixtures()[1], waba_id: '102290129340398' }]), 'is invalid (entry 1 waba_id 102290129340398 belongs to two tenants)'],
  ])('refuses %s', (_case, value, problem) => {
    const message = configError(gatewayEnv({ GATEWAY_CHANNELS: value }));
    expect(message).toBe(`GATEWAY_CHANNELS ${problem}`);
    expect(message).not.toContain(SECRET_MARKER);
  });

  it('says when the registry file cannot be read', () => {
    const message = configError(gatewayEnv({ GATEWAY_CHANNELS: undefined, GATEWAY_CHANNELS_FILE: '/nope.json' }), () => {
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    });
    expect(message).toBe('GATEWAY_CHANNELS cannot be read from GATEWAY_CHANNELS_FILE (ENOENT)');
  });

  it('never echoes the master key or the verify token', () => {
    const message = configError(gatewayEnv({ CARELINE_MASTER_KEY: `short-${SECRET_MARKER}`, WHATSAPP_VERIFY_TOKEN: undefined }));
    expect(message).toContain('CARELINE_MASTER_KEY must be 32 bytes of base64');
    expect(message).toContain('WHATSAPP_VERIFY_TOKEN is required');
    expect(message).not.toContain(SECRET_MARKER);
  });
});
