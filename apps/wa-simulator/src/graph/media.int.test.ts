// Contract tests of Meta's media endpoints: upload (multipart, MIME and size rules), retrieve (a
// URL valid for 5 minutes, only with a bearer token of the WABA), delete, and patients' media
// resolvable the same way; also through Careline's own Graph client.
import { createHash } from 'node:crypto';
import { createGraphClient } from '@careline/whatsapp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BUSINESS,
  PATIENT,
  patientSends,
  request,
  startSimulator,
  type GraphErrorReply,
  type RunningSimulator,
} from '../test/harness';

const OTHER = {
  ...BUSINESS,
  phone_number_id: '777',
  display_phone_number: '15550000777',
  waba_id: '888',
  access_token: 'other-waba-token',
};

function expectGraphError(
  result: { status: number; body: unknown },
  httpStatus: number,
  code: number,
): string {
  expect(result.status, JSON.stringify(result.body)).toBe(httpStatus);
  const { error } = result.body as GraphErrorReply;
  expect(error.code).toBe(code);
  return error.error_data.details;
}

interface MediaInfo {
  messaging_product: string;
  url: string;
  mime_type: string;
  sha256: string;
  file_size: number;
  id: string;
}

describe('media endpoints', () => {
  let env: RunningSimulator;

  beforeEach(async () => {
    env = await startSimulator({ businesses: [BUSINESS, OTHER] });
  });
  afterEach(async () => {
    await env.close();
  });

  async function upload(
    fields: { file?: Buffer; type?: string; messaging_product?: string; filename?: string },
    token = BUSINESS.access_token,
  ) {
    const form = new FormData();
    if (fields.messaging_product !== undefined) form.set('messaging_product', fields.messaging_product);
    if (fields.type !== undefined) form.set('type', fields.type);
    if (fields.file)
      form.set('file', new Blob([fields.file], { type: fields.type ?? '' }), fields.filename ?? 'file');
    const response = await fetch(`${env.baseUrl}/v23.0/${BUSINESS.phone_number_id}/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    return { status: response.status, body: await response.json() };
  }
  const uploadFile = (file: Buffer, type: string) => upload({ file, type, messaging_product: 'whatsapp' });
  const idOf = (result: { status: number; body: unknown }) => {
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    return (result.body as { id: string }).id;
  };
  const retrieve = (id: string, token = BUSINESS.access_token, query = '') =>
    request<MediaInfo>(env.baseUrl, 'GET', `/v23.0/${id}${query}`, { token });

  it('uploads a file and retrieves it with Meta’s fields', async () => {
    const bytes = Buffer.from('%PDF-1.4 discharge letter');
    const uploaded = await uploadFile(bytes, 'application/pdf');
    expect(uploaded.body).toEqual({ id: expect.stringMatching(/^\d{16}$/) as unknown });
    const id = idOf(uploaded);
    const info = await retrieve(id);
    expect(info.status).toBe(200);
    expect(info.body).toEqual({
      messaging_product: 'whatsapp',
      url: expect.stringContaining('/whatsapp_business/attachments/?mid=') as unknown,
      mime_type: 'application/pdf',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      file_size: bytes.length,
      id,
    });
  });

  it('serves the URL only with a bearer token of the WABA, for 5 minutes', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const id = idOf(await uploadFile(bytes, 'image/png'));
    const { url } = (await retrieve(id)).body;
    const get = (token?: string) =>
      fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});

    const ok = await get(BUSINESS.access_token);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await ok.arrayBuffer())).toEqual(bytes);

    const anonymous = await get();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('text/html');
    expect((await get(OTHER.access_token)).status).toBe(401);
    const forged = await fetch(url.replace(/hash=[^&]+/, 'hash=AAAAAAAAAAAAAAAAAAAAAA'), {
      headers: { authorization: `Bearer ${BUSINESS.access_token}` },
    });
    expect(forged.status).toBe(404);

    await request(env.baseUrl, 'POST', '/_sim/clock/advance', { body: { seconds: 299 } });
    expect((await get(BUSINESS.access_token)).status).toBe(200);
    await request(env.baseUrl, 'POST', '/_sim/clock/advance', { body: { seconds: 1 } });
    expect((await get(BUSINESS.access_token)).status).toBe(404);
    // a new retrieve gives a new URL
    const fresh = await fetch((await retrieve(id)).body.url, {
      headers: { authorization: `Bearer ${BUSINESS.access_token}` },
    });
    expect(fresh.status).toBe(200);
  });

  it('works with Careline’s own Graph client (retrieve, then download)', async () => {
    const bytes = Buffer.from('a scanned referral');
    const id = idOf(await uploadFile(bytes, 'text/plain'));
    const client = createGraphClient({ baseUrl: env.baseUrl, version: 'v23.0', timeoutMs: 2000 });
    const info = await client.getMedia(id, BUSINESS.access_token, {
      phoneNumberId: BUSINESS.phone_number_id,
    });
    expect(info).toMatchObject({ mimeType: 'text/plain', fileSize: bytes.length });
    const downloaded = await client.downloadMedia(info.url, BUSINESS.access_token);
    expect(Buffer.from(downloaded.bytes)).toEqual(bytes);
    expect(createHash('sha256').update(downloaded.bytes).digest('hex')).toBe(info.sha256);
  });

  it('refuses uploads without messaging_product, file or type with 100', async () => {
    const file = Buffer.from('x');
    expect(expectGraphError(await upload({ file, type: 'text/plain' }), 400, 100)).toContain(
      'messaging_product',
    );
    expect(
      expectGraphError(await upload({ type: 'text/plain', messaging_product: 'whatsapp' }), 400, 100),
    ).toContain('file');
    expect(expectGraphError(await upload({ file, messaging_product: 'whatsapp' }), 400, 100)).toContain(
      'type',
    );
    expectGraphError(await upload({ file, type: 'text/plain', messaging_product: 'sms' }), 400, 100);
    const json = await request(env.baseUrl, 'POST', `/v23.0/${BUSINESS.phone_number_id}/media`, {
      token: BUSINESS.access_token,
      body: { messaging_product: 'whatsapp' },
    });
    expectGraphError(json, 400, 100);
  });

  it('refuses a MIME type Meta does not take with 131053', async () => {
    expect(expectGraphError(await uploadFile(Buffer.from('GIF89a'), 'image/gif'), 400, 131053)).toContain(
      'image/gif',
    );
    expectGraphError(await uploadFile(Buffer.from('PK'), 'application/zip'), 400, 131053);
  });

  it('takes an image of exactly 5 MB and refuses one byte more with 131053', async () => {
    idOf(await uploadFile(Buffer.alloc(5 * 1024 * 1024), 'image/jpeg'));
    expect(
      expectGraphError(await uploadFile(Buffer.alloc(5 * 1024 * 1024 + 1), 'image/jpeg'), 400, 131053),
    ).toContain('5242880');
  });

  it('takes a static sticker of exactly 100 KB and refuses one byte more', async () => {
    const webp = (size: number) => {
      const b = Buffer.alloc(size);
      b.write('RIFF', 0, 'latin1');
      b.write('WEBPVP8 ', 8, 'latin1');
      return b;
    };
    idOf(await uploadFile(webp(100 * 1024), 'image/webp'));
    expectGraphError(await uploadFile(webp(100 * 1024 + 1), 'image/webp'), 400, 131053);
  });

  it('takes audio and video of exactly 16 MB and refuses one byte more', async () => {
    idOf(await uploadFile(Buffer.alloc(16 * 1024 * 1024), 'audio/ogg'));
    expectGraphError(await uploadFile(Buffer.alloc(16 * 1024 * 1024 + 1), 'video/mp4'), 400, 131053);
  });

  it('deletes media; afterwards it is an unknown object', async () => {
    const id = idOf(await uploadFile(Buffer.from('x'), 'text/plain'));
    const deleted = await request(env.baseUrl, 'DELETE', `/v23.0/${id}`, { token: BUSINESS.access_token });
    expect(deleted.body).toEqual({ success: true });
    expect(expectGraphError(await retrieve(id), 400, 100)).toContain(id);
    expectGraphError(
      await request(env.baseUrl, 'DELETE', `/v23.0/${id}`, { token: BUSINESS.access_token }),
      400,
      100,
    );
  });

  it('keeps media to its WABA and its phone_number_id filter', async () => {
    const id = idOf(await uploadFile(Buffer.from('x'), 'text/plain'));
    expectGraphError(await retrieve(id, OTHER.access_token), 400, 100);
    expect(
      (await retrieve(id, BUSINESS.access_token, `?phone_number_id=${BUSINESS.phone_number_id}`)).status,
    ).toBe(200);
    expectGraphError(await retrieve(id, BUSINESS.access_token, '?phone_number_id=42'), 400, 100);
    expectGraphError(await request(env.baseUrl, 'GET', `/v23.0/${id}`), 401, 0);
    expectGraphError(
      await request(env.baseUrl, 'GET', `/v23/${id}`, { token: BUSINESS.access_token }),
      400,
      2500,
    );
  });

  it('forgets uploads after 30 days and patients’ media after 7', async () => {
    const uploaded = idOf(await uploadFile(Buffer.from('x'), 'text/plain'));
    const sent = await patientSends<{ id: string }>(env.baseUrl, {
      type: 'image',
      media: { data_base64: Buffer.from('img').toString('base64'), mime_type: 'image/jpeg' },
    });
    const inbound = await request<{ data: { id: string; message: { image: { id: string } } }[] }>(
      env.baseUrl,
      'GET',
      `/_sim/patients/${PATIENT.wa_id}/sent`,
    );
    const patientMedia = inbound.body.data.find((m) => m.id === sent.body.id)!.message.image.id;
    expect((await retrieve(patientMedia)).body).toMatchObject({ mime_type: 'image/jpeg', file_size: 3 });
    await request(env.baseUrl, 'POST', '/_sim/clock/advance', { body: { seconds: 7 * 86400 } });
    expectGraphError(await retrieve(patientMedia), 400, 100);
    expect((await retrieve(uploaded)).status).toBe(200);
    await request(env.baseUrl, 'POST', '/_sim/clock/advance', { body: { seconds: 23 * 86400 } });
    expectGraphError(await retrieve(uploaded), 400, 100);
  });
});
