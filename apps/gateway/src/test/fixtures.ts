// Shared fixtures of the gateway's tests: channels with recognisable secrets (so tests can assert
// they never leak) and the environment an in-process gateway is configured from.
import { generateMasterKey } from '@careline/crypto';

export const TENANT_A = '6f1d2c3b-4a59-4e8f-9b0a-1c2d3e4f5a6b';
export const TENANT_B = '0b6f1c8e-5d2a-4c1e-9f3b-7a8d6e5c4b3a';
export const SECRET_MARKER = 'SECRETMARK';

export interface ChannelFixture {
  phone_number_id: string;
  display_phone_number: string;
  waba_id: string;
  tenant_id: string;
  access_token: string;
  app_secret: string;
}

export function channelFixtures(): ChannelFixture[] {
  return [
    {
      phone_number_id: '106540352242922',
      display_phone_number: '15550783881',
      waba_id: '102290129340398',
      tenant_id: TENANT_A,
      access_token: `EAAG-token-a-${SECRET_MARKER}`,
      app_secret: `app-secret-one-${SECRET_MARKER}`,
    },
    {
      phone_number_id: '106540352242923',
      display_phone_number: '15550783882',
      waba_id: '102290129340399',
      tenant_id: TENANT_B,
      access_token: `EAAG-token-b-${SECRET_MARKER}`,
      app_secret: `app-secret-one-${SECRET_MARKER}`,
    },
    {
      // Another Meta app: its secret must not vouch for the numbers above.
      phone_number_id: '106540352242924',
      display_phone_number: '15550783883',
      waba_id: '102290129340400',
      tenant_id: TENANT_B,
      access_token: `EAAG-token-c-${SECRET_MARKER}`,
      app_secret: `app-secret-two-${SECRET_MARKER}`,
    },
  ];
}

/** A complete environment for `loadConfig(configSchema, env)`; override what a test needs. */
export function gatewayEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    LOG_LEVEL: 'debug',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: '0',
    DATABASE_URL: 'postgres://gateway:pw@127.0.0.1:5432/careline',
    KAFKA_BROKERS: '127.0.0.1:9092',
    CARELINE_MASTER_KEY: generateMasterKey(),
    WHATSAPP_VERIFY_TOKEN: `verify-${SECRET_MARKER}`,
    GATEWAY_CHANNELS: JSON.stringify(channelFixtures()),
    ...overrides,
  };
}
