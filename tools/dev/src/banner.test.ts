import { generateSeed } from '@careline/stack';
import { describe, expect, it } from 'vitest';
import { type BannerInput, renderBanner } from './banner';

const seed = generateSeed();
const urls = {
  api: 'http://127.0.0.1:8080',
  apiDocs: 'http://127.0.0.1:8080/docs',
  openapi: 'http://127.0.0.1:8080/openapi.json',
  gateway: 'http://127.0.0.1:8081',
  webhook: 'http://127.0.0.1:8081/webhooks/whatsapp',
  gatewayGrpc: '127.0.0.1:50055',
  ingest: 'http://127.0.0.1:8082',
  messaging: 'http://127.0.0.1:8083',
  messagingGrpc: '127.0.0.1:50051',
  simulator: 'http://127.0.0.1:8090',
  simulatorControl: 'http://127.0.0.1:8090/_sim',
};
const input: BannerInput = {
  urls,
  seed,
  token: 'header.payload.signature',
  tokenTtlSeconds: 3600,
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/careline',
  kafkaBrokers: '127.0.0.1:9092',
  logDir: 'test-output/processes',
  stateDir: '.local/dev',
  startedInMs: 4200,
  demoPatientWaId: '15551234567',
};
const banner = renderBanner(input);

describe('the npm start banner', () => {
  it('says where every process listens', () => {
    for (const url of Object.values(urls)) expect(banner).toContain(url);
  });

  it('gives the console URL and who to sign in as, when the console runs', () => {
    const withConsole = renderBanner({ ...input, urls: { ...urls, console: 'http://127.0.0.1:8087' } });
    const line = withConsole.split('\n').find((l) => l.trim().startsWith('console'));
    expect(line).toContain('http://127.0.0.1:8087');
    expect(line).toContain(seed.staff.subject);
    expect(banner.split('\n').some((l) => l.trim().startsWith('console'))).toBe(false);
  });

  it('names the demo hospital and hands out a ready token', () => {
    expect(banner).toContain(seed.tenant.id);
    expect(banner).toContain(seed.whatsapp.phoneNumberId);
    expect(banner).toContain(`+${seed.whatsapp.displayPhoneNumber}`);
    expect(banner).toContain('export TOKEN=header.payload.signature');
  });

  it('never prints the number credentials (access token, app secret, verify token)', () => {
    expect(banner).not.toContain(seed.whatsapp.accessToken);
    expect(banner).not.toContain(seed.whatsapp.appSecret);
    expect(banner).not.toContain(seed.whatsapp.verifyToken);
  });

  it('gives curl commands whose JSON bodies parse: patient message, inbox, reply, new token', () => {
    const bodies = [...banner.matchAll(/-d '([^']+)'/g)].map(
      (match) => JSON.parse(match[1] ?? '') as Record<string, unknown>,
    );
    expect(bodies).toHaveLength(3);
    const [patientMessage, reply, tokenRequest] = bodies;
    expect(patientMessage?.phone_number_id).toBe(seed.whatsapp.phoneNumberId);
    expect(typeof patientMessage?.text).toBe('string');
    expect(typeof reply?.text).toBe('string');
    expect(tokenRequest).toEqual({
      subject: seed.staff.subject,
      tenantId: seed.tenant.id,
      roles: seed.staff.roles,
      name: seed.staff.name,
    });
    expect(banner).toContain(`curl -s ${urls.api}/v1/conversations -H "authorization: Bearer $TOKEN"`);
    expect(banner).toContain(`${urls.api}/v1/conversations/$CONV/messages`);
  });
});
