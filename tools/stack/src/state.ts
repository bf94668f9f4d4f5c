// The files a stack hands to its processes. Derived files (the gateway's channel registry, the
// simulator's businesses) are rewritten at every start from the seed and the ports; keys are made
// once and kept, so a persistent state dir (the dev launcher's) keeps its data readable.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { generateMasterKey } from '@careline/crypto';
import type { StackSeed } from './seed';

export interface StateFiles {
  dir: string;
  /** GATEWAY_CHANNELS_FILE: the gateway's channel registry (JSON array). */
  channels: string;
  /** WA_SIM_BUSINESSES_FILE: the simulator's businesses (JSON array). */
  simulatorBusinesses: string;
  /** CARELINE_MASTER_KEY_FILE: base64 of 32 bytes, made once. */
  masterKey: string;
  /** CARELINE_DEV_AUTH_KEY_FILE: the api's development issuer key (the api makes it when missing). */
  devAuthKey: string;
  /** AUDIT_SIGNING_KEY_FILE: the audit service's Ed25519 checkpoint key (PKCS#8 PEM), made once. */
  auditSigningKey: string;
  /** Its public half (SPKI PEM), rewritten at every start: what `tools/audit-verify --public-key` takes. */
  auditPublicKey: string;
}

export interface GatewayChannel {
  phone_number_id: string;
  display_phone_number: string;
  waba_id: string;
  tenant_id: string;
  access_token: string;
  app_secret: string;
}

export interface SimulatorBusiness {
  phone_number_id: string;
  display_phone_number: string;
  waba_id: string;
  access_token: string;
  app_secret: string;
  webhook_url: string;
  verify_token: string;
}

/** The gateway's view of the seed: which tenant a number belongs to, and its Meta credentials. */
export function gatewayChannels(seed: StackSeed): GatewayChannel[] {
  const { whatsapp } = seed;
  return [
    {
      phone_number_id: whatsapp.phoneNumberId,
      display_phone_number: whatsapp.displayPhoneNumber,
      waba_id: whatsapp.wabaId,
      tenant_id: seed.tenant.id,
      access_token: whatsapp.accessToken,
      app_secret: whatsapp.appSecret,
    },
  ];
}

/** Meta's view of the same number: the same token and secret, and where to send webhooks. */
export function simulatorBusinesses(seed: StackSeed, webhookUrl: string): SimulatorBusiness[] {
  const { whatsapp } = seed;
  return [
    {
      phone_number_id: whatsapp.phoneNumberId,
      display_phone_number: whatsapp.displayPhoneNumber,
      waba_id: whatsapp.wabaId,
      access_token: whatsapp.accessToken,
      app_secret: whatsapp.appSecret,
      webhook_url: webhookUrl,
      verify_token: whatsapp.verifyToken,
    },
  ];
}

export async function writeStateFiles(dir: string, seed: StackSeed, webhookUrl: string): Promise<StateFiles> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const files: StateFiles = {
    dir,
    channels: path.join(dir, 'gateway-channels.json'),
    simulatorBusinesses: path.join(dir, 'simulator-businesses.json'),
    masterKey: path.join(dir, 'master.key'),
    devAuthKey: path.join(dir, 'dev-auth-key.json'),
    auditSigningKey: path.join(dir, 'audit-signing-key.pem'),
    auditPublicKey: path.join(dir, 'audit-public-key.pem'),
  };
  const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
  await fs.writeFile(files.channels, json(gatewayChannels(seed)), { mode: 0o600 });
  await fs.writeFile(files.simulatorBusinesses, json(simulatorBusinesses(seed, webhookUrl)), { mode: 0o600 });
  try {
    // 'wx': never overwrite a key; data sealed with it would become unreadable
    await fs.writeFile(files.masterKey, `${generateMasterKey()}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  await writeOnce(files.auditSigningKey, () =>
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  const auditKey = createPublicKey(createPrivateKey(await fs.readFile(files.auditSigningKey, 'utf8')));
  await fs.writeFile(files.auditPublicKey, auditKey.export({ type: 'spki', format: 'pem' }).toString(), { mode: 0o644 });
  return files;
}

/** Writes a key file unless it exists: checkpoints signed with a key must stay verifiable. */
async function writeOnce(file: string, content: () => string): Promise<void> {
  try {
    await fs.writeFile(file, content(), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
