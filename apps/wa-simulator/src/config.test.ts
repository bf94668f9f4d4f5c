import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_SETTINGS, loadConfig } from './config';

const business = {
  phone_number_id: '106540352242922',
  display_phone_number: '15550783881',
  waba_id: '102290129340398',
  access_token: 'token',
  app_secret: 'secret',
  webhook_url: 'http://127.0.0.1:8081/webhooks/whatsapp',
  verify_token: 'verify',
};

describe('loadConfig', () => {
  it('defaults to port 8090, no businesses and the default settings', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8090,
      host: '0.0.0.0',
      businesses: [],
      patients: [],
      settings: DEFAULT_SETTINGS,
    });
  });

  it('reads businesses from JSON and from a file, and patients', () => {
    const second = { ...business, phone_number_id: '2', display_phone_number: '2' };
    const config = loadConfig(
      {
        WA_SIM_BUSINESSES: JSON.stringify([business]),
        WA_SIM_BUSINESSES_FILE: '/etc/businesses.json',
        WA_SIM_PATIENTS: JSON.stringify({ wa_id: '16505551234', profile_name: 'Ana' }),
      },
      (path) => (path === '/etc/businesses.json' ? JSON.stringify([second]) : ''),
    );
    expect(config.businesses.map((b) => b.phone_number_id)).toEqual(['106540352242922', '2']);
    expect(config.patients).toEqual([{ wa_id: '16505551234', profile_name: 'Ana', on_whatsapp: true }]);
  });

  it('reads the behaviour variables', () => {
    const config = loadConfig({
      WA_SIM_PORT: '9999',
      WA_SIM_WINDOW_ERRORS: 'sync',
      WA_SIM_STATUS_READ_DELAY_MS: 'off',
      WA_SIM_STATUS_SENT_DELAY_MS: '5',
      WA_SIM_WEBHOOK_MAX_ATTEMPTS: '3',
      WA_SIM_WEBHOOK_ESCAPE_SLASHES: 'false',
    });
    expect(config.port).toBe(9999);
    expect(config.settings.window_errors).toBe('sync');
    expect(config.settings.status_delays_ms).toEqual({ sent: 5, delivered: 300, read: null });
    expect(config.settings.webhook_retry.max_attempts).toBe(3);
    expect(config.settings.webhook_escape_slashes).toBe(false);
  });

  it('names the variable at fault without echoing its value', () => {
    expect(() => loadConfig({ WA_SIM_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ WA_SIM_PORT: 'eighty' })).toThrow(/WA_SIM_PORT/);
    const secretish = { ...business, access_token: '', app_secret: 'super-secret-value' };
    const attempt = () => loadConfig({ WA_SIM_BUSINESSES: JSON.stringify([secretish]) });
    expect(attempt).toThrow(/WA_SIM_BUSINESSES/);
    expect(attempt).not.toThrow(/super-secret-value/);
    expect(() => loadConfig({ WA_SIM_BUSINESSES: '{not json' })).toThrow(/WA_SIM_BUSINESSES: not valid JSON/);
  });

  it('refuses duplicate phone number ids', () => {
    expect(() => loadConfig({ WA_SIM_BUSINESSES: JSON.stringify([business, business]) })).toThrow(
      /duplicate phone_number_id/,
    );
  });
});

describe('loadConfig, issue 4 settings', () => {
  it('reads the limits, media and webhook-quirk variables', () => {
    const config = loadConfig({
      WA_SIM_THROUGHPUT_MPS: '1000',
      WA_SIM_PAIR_RATE_INTERVAL_SECONDS: '3',
      WA_SIM_PAIR_RATE_BURST: '10',
      WA_SIM_MESSAGING_LIMIT: 'unlimited',
      WA_SIM_MEDIA_URL_TTL_SECONDS: '60',
      WA_SIM_MEDIA_LINK_FETCH: 'false',
      WA_SIM_WEBHOOK_BATCH_MAX_ITEMS: '50',
      WA_SIM_WEBHOOK_BATCH_WINDOW_MS: '200',
      WA_SIM_WEBHOOK_DUPLICATE_PROBABILITY: '0.1',
      WA_SIM_WEBHOOK_DUPLICATE_COUNT: '2',
      WA_SIM_WEBHOOK_REORDER_PROBABILITY: '0.25',
      WA_SIM_WEBHOOK_REORDER_MAX_HOLD_MS: '500',
      WA_SIM_PUBLIC_URL: 'http://wa-simulator.local:8090/',
    });
    expect(config.settings).toMatchObject({
      throughput_mps: 1000,
      pair_rate: { interval_seconds: 3, burst: 10 },
      messaging_limit: 'unlimited',
      media_url_ttl_seconds: 60,
      media_link_fetch: false,
      webhook_batch: { max_items: 50, window_ms: 200 },
      webhook_duplicates: { probability: 0.1, count: 2 },
      webhook_reorder: { probability: 0.25, max_hold_ms: 500 },
    });
    expect(config.publicUrl).toBe('http://wa-simulator.local:8090');
    expect(loadConfig({ WA_SIM_MESSAGING_LIMIT: '250' }).settings.messaging_limit).toBe(250);
  });

  it('has Meta’s defaults: 80 mps, 1 per 6 s with bursts of 45, 5-minute media URLs', () => {
    expect(DEFAULT_SETTINGS).toMatchObject({
      throughput_mps: 80,
      pair_rate: { interval_seconds: 6, burst: 45 },
      media_url_ttl_seconds: 300,
    });
  });

  it('refuses a throughput above 1000 and names the variable', () => {
    expect(() => loadConfig({ WA_SIM_THROUGHPUT_MPS: '1001' })).toThrow(/WA_SIM_THROUGHPUT_MPS/);
  });

  it('reads templates from JSON and a file, with the defaults on unless switched off', () => {
    const template = {
      name: 'lab_closed',
      language: 'pt_BR',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Fechado às {{1}}' }],
    };
    const config = loadConfig(
      {
        WA_SIM_TEMPLATES: JSON.stringify(template),
        WA_SIM_TEMPLATES_FILE: '/etc/templates.json',
        WA_SIM_DEFAULT_TEMPLATES: 'false',
      },
      () => JSON.stringify([{ ...template, waba_id: '42', status: 'paused' }]),
    );
    expect(config.defaultTemplates).toBe(false);
    expect(config.templates?.map((t) => [t.waba_id ?? null, t.status])).toEqual([
      [null, 'APPROVED'],
      ['42', 'PAUSED'],
    ]);
    expect(loadConfig({}).defaultTemplates).toBe(true);
    expect(() =>
      loadConfig({ WA_SIM_TEMPLATES: JSON.stringify({ ...template, category: 'NEWSLETTER' }) }),
    ).toThrow(/WA_SIM_TEMPLATES/);
  });
});
