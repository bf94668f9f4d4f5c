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
