// Development secrets for deploy/compose, written once into the directory given (a volume):
// the envelope-encryption master key, the audit checkpoint key, a WhatsApp verify token and one
// demo business number known to both the gateway (channel registry) and the simulator. Files
// that exist are kept: data sealed with a key must stay readable across restarts.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2] ?? '/secrets';
const once = (name, make) => {
  const file = path.join(dir, name);
  // readable by the apps' user (65532) through the world bit: this volume holds dev secrets only
  if (!existsSync(file)) writeFileSync(file, make(), { mode: 0o644 });
};
const token = (bytes) => randomBytes(bytes).toString('base64url');

once('master.key', () => `${randomBytes(32).toString('base64')}\n`);
once('audit-signing-key.pem', () =>
  generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
);
once('verify-token', token.bind(null, 24));
once('whatsapp.json', () =>
  JSON.stringify({
    phone_number_id: '100000000000001',
    display_phone_number: '15550000001',
    waba_id: '200000000000001',
    tenant_id: randomUUID(),
    access_token: token(32),
    app_secret: token(32),
  }),
);
const number = JSON.parse(readFileSync(path.join(dir, 'whatsapp.json'), 'utf8'));
const verifyToken = readFileSync(path.join(dir, 'verify-token'), 'utf8').trim();
once('gateway-channels.json', () => JSON.stringify([number], null, 2));
once('simulator-businesses.json', () => {
  const { tenant_id: _tenant, ...business } = number;
  return JSON.stringify(
    [{ ...business, webhook_url: 'http://gateway:8081/webhooks/whatsapp', verify_token: verifyToken }],
    null,
    2,
  );
});
console.log(`development secrets in ${dir}`);
