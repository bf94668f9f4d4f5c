// Contract tests of the free-form message types beyond text (interactive buttons and lists, media,
// location, reaction): every limit at exactly its number (n accepted, n+1 refused) with Meta's
// code, and the sending limits (throughput, pair rate) on a frozen clock.
import {
  buildButtonsMessage,
  buildListMessage,
  buildLocationMessage,
  buildMediaMessage,
} from '@careline/whatsapp';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BUSINESS,
  PATIENT,
  acceptedId,
  patientWrites,
  request,
  sendMessage,
  startSimulator,
  waitFor,
  type GraphErrorReply,
  type RunningSimulator,
} from '../test/harness';

function expectGraphError(
  result: { status: number; body: unknown },
  httpStatus: number,
  code: number,
): string {
  expect(result.status, JSON.stringify(result.body)).toBe(httpStatus);
  const { error } = result.body as GraphErrorReply;
  expect(error.code).toBe(code);
  expect(error.message.startsWith(`(#${code}) `)).toBe(true);
  return error.error_data.details;
}

const x = (n: number) => 'x'.repeat(n);

function buttons(list: { id: string; title: string }[], extra: Record<string, unknown> = {}) {
  return {
    type: 'interactive',
    interactive: {
      type: 'button',
      body: { text: 'Choose' },
      ...extra,
      action: { buttons: list.map((reply) => ({ type: 'reply', reply })) },
    },
  };
}
const nButtons = (n: number) =>
  buttons(Array.from({ length: n }, (_, i) => ({ id: `b${i}`, title: `B${i}` })));

function list(sections: unknown[], extra: Record<string, unknown> = {}) {
  return {
    type: 'interactive',
    interactive: {
      type: 'list',
      body: { text: 'Pick one' },
      ...extra,
      action: { button: 'Options', sections, ...(extra.action as object) },
    },
  };
}
const rows = (n: number, prefix = 'r') =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, title: `Row ${i}` }));

describe('free-form message types', () => {
  let env: RunningSimulator;

  beforeEach(async () => {
    env = await startSimulator();
    // inside the window: these tests are about each type's own rules
    await patientWrites(env.baseUrl, 'hello');
  });
  afterEach(async () => {
    await env.close();
  });

  const ok = async (body: Record<string, unknown>) => acceptedId(await sendMessage(env.baseUrl, body));
  const refused = async (body: Record<string, unknown>, code: number, http = 400) =>
    expectGraphError(await sendMessage(env.baseUrl, body), http, code);

  describe('interactive reply buttons', () => {
    it('takes 1 to 3 buttons and refuses 0 and 4 with 131009', async () => {
      for (const n of [1, 2, 3]) await ok(nButtons(n));
      expect(await refused(nButtons(0), 131009)).toContain('between 1 and 3');
      await refused(nButtons(4), 131009);
    });

    it('takes titles of 20 characters, refuses 21, empty and duplicates', async () => {
      await ok(buttons([{ id: 'a', title: x(20) }]));
      expect(await refused(buttons([{ id: 'a', title: x(21) }]), 131009)).toContain('20');
      await refused(buttons([{ id: 'a', title: '' }]), 131008);
      expect(
        await refused(
          buttons([
            { id: 'a', title: 'Same' },
            { id: 'b', title: 'Same' },
          ]),
          131009,
        ),
      ).toContain('unique');
      // characters, not UTF-16 units
      await ok(buttons([{ id: 'a', title: '👍'.repeat(20) }]));
    });

    it('takes ids of 256 characters and refuses 257 and duplicates', async () => {
      await ok(buttons([{ id: x(256), title: 'A' }]));
      await refused(buttons([{ id: x(257), title: 'A' }]), 131009);
      await refused(
        buttons([
          { id: 'same', title: 'A' },
          { id: 'same', title: 'B' },
        ]),
        131009,
      );
    });

    it('takes a body of 1024, header and footer of 60, and refuses one more', async () => {
      const withBody = (n: number) => ({
        ...nButtons(1),
        interactive: { ...nButtons(1).interactive, body: { text: x(n) } },
      });
      await ok(withBody(1024));
      await refused(withBody(1025), 131009);
      await refused({ ...nButtons(1), interactive: { ...nButtons(1).interactive, body: undefined } }, 131008);
      await ok(
        buttons([{ id: 'a', title: 'A' }], {
          header: { type: 'text', text: x(60) },
          footer: { text: x(60) },
        }),
      );
      await refused(buttons([{ id: 'a', title: 'A' }], { header: { type: 'text', text: x(61) } }), 131009);
      await refused(buttons([{ id: 'a', title: 'A' }], { footer: { text: x(61) } }), 131009);
    });

    it('takes a media header by link or id', async () => {
      await ok(
        buttons([{ id: 'a', title: 'A' }], {
          header: { type: 'image', image: { link: 'https://example.org/x.png' } },
        }),
      );
      await refused(buttons([{ id: 'a', title: 'A' }], { header: { type: 'image', image: {} } }), 131008);
    });

    it('refuses interactive types it does not carry with 131051, and nonsense with 131009', async () => {
      expect(await refused({ type: 'interactive', interactive: { type: 'cta_url' } }, 131051)).toContain(
        'not simulated',
      );
      await refused({ type: 'interactive', interactive: { type: 'carousel-of-doom' } }, 131009);
      await refused({ type: 'interactive', interactive: {} }, 131008);
    });
  });

  describe('interactive lists', () => {
    it('takes 10 rows in total and refuses 11, across sections too', async () => {
      await ok(list([{ title: 'All', rows: rows(10) }]));
      expect(await refused(list([{ title: 'All', rows: rows(11) }]), 131009)).toContain('10 rows');
      await ok(
        list([
          { title: 'A', rows: rows(5, 'a') },
          { title: 'B', rows: rows(5, 'b') },
        ]),
      );
      await refused(
        list([
          { title: 'A', rows: rows(6, 'a') },
          { title: 'B', rows: rows(5, 'b') },
        ]),
        131009,
      );
    });

    it('takes 1 to 10 sections and refuses 0 and 11', async () => {
      const sections = (n: number) =>
        Array.from({ length: n }, (_, i) => ({ title: `S${i}`, rows: [{ id: `r${i}`, title: 'R' }] }));
      await ok(list(sections(10)));
      await refused(list(sections(0)), 131009);
      // 11 sections hold 11 rows: the section count is checked first
      expect(await refused(list(sections(11)), 131009)).toContain('sections');
    });

    it('requires section titles (24 characters) only when there are several sections', async () => {
      await ok(list([{ rows: rows(2) }]));
      expect(
        await refused(list([{ rows: rows(1, 'a') }, { title: 'B', rows: rows(1, 'b') }]), 131008),
      ).toContain('title');
      await ok(list([{ title: x(24), rows: rows(1) }]));
      await refused(list([{ title: x(25), rows: rows(1) }]), 131009);
    });

    it('limits the button label to 20, row id to 200, title to 24, description to 72', async () => {
      const one = (row: Record<string, unknown>, button = 'Options') => ({
        type: 'interactive',
        interactive: {
          type: 'list',
          body: { text: 'Pick' },
          action: { button, sections: [{ rows: [row] }] },
        },
      });
      await ok(one({ id: 'r', title: 'R' }, x(20)));
      await refused(one({ id: 'r', title: 'R' }, x(21)), 131009);
      await ok(one({ id: x(200), title: 'R' }));
      await refused(one({ id: x(201), title: 'R' }), 131009);
      await ok(one({ id: 'r', title: x(24) }));
      await refused(one({ id: 'r', title: x(25) }), 131009);
      await ok(one({ id: 'r', title: 'R', description: x(72) }));
      await refused(one({ id: 'r', title: 'R', description: x(73) }), 131009);
      await refused(
        list([
          {
            rows: [
              { id: 'same', title: 'A' },
              { id: 'same', title: 'B' },
            ],
          },
        ]),
        131009,
      );
    });

    it('takes a body of 4096 and a text header only', async () => {
      await ok(list([{ rows: rows(1) }], { body: { text: x(4096) } }));
      await ok(list([{ rows: rows(1) }], { header: { type: 'text', text: x(60) } }));
      await refused(list([{ rows: rows(1) }], { header: { type: 'text', text: x(61) } }), 131009);
      await refused(list([{ rows: rows(1) }], { body: { text: x(4097) } }), 131009);
      expect(
        await refused(
          list([{ rows: rows(1) }], {
            header: { type: 'image', image: { link: 'https://example.org/a.png' } },
          }),
          131009,
        ),
      ).toContain('only be text');
    });
  });

  describe('media, location and reaction messages', () => {
    it('needs an id or a link, not both', async () => {
      await ok({ type: 'image', image: { link: 'https://example.org/a.png', caption: 'x' } });
      await refused({ type: 'image', image: { caption: 'x' } }, 131008);
      await refused({ type: 'image', image: { id: '1', link: 'https://example.org/a.png' } }, 131009);
      await refused({ type: 'image', image: { link: 'ftp://example.org/a.png' } }, 131009);
      await refused({ type: 'image' }, 131008);
    });

    it('takes captions of 1024 characters, refuses 1025, and none on audio and stickers', async () => {
      await ok({
        type: 'document',
        document: { link: 'https://example.org/a.pdf', caption: x(1024), filename: 'a.pdf' },
      });
      await refused(
        { type: 'video', video: { link: 'https://example.org/a.mp4', caption: x(1025) } },
        131009,
      );
      expect(
        await refused({ type: 'audio', audio: { link: 'https://example.org/a.ogg', caption: 'no' } }, 100),
      ).toContain('audio');
      await refused({ type: 'sticker', sticker: { link: 'https://example.org/a.webp', caption: 'no' } }, 100);
      await ok({ type: 'audio', audio: { link: 'https://example.org/a.ogg' } });
    });

    it('sends a location and refuses coordinates out of range', async () => {
      await ok({
        type: 'location',
        location: { latitude: 90, longitude: -180, name: 'Pole', address: 'Far' },
      });
      await ok({ type: 'location', location: { latitude: '38.7223', longitude: '-9.1393' } });
      await refused({ type: 'location', location: { latitude: 90.1, longitude: 0 } }, 131009);
      await refused({ type: 'location', location: { longitude: 0 } }, 131008);
    });

    it('reacts to a message of the chat, and refuses an unknown one', async () => {
      const sent = await patientWrites(env.baseUrl, 'thanks!');
      await ok({ type: 'reaction', reaction: { message_id: sent.body.id, emoji: '👍' } });
      await ok({ type: 'reaction', reaction: { message_id: sent.body.id, emoji: '' } });
      await refused({ type: 'reaction', reaction: { message_id: 'wamid.nope', emoji: '👍' } }, 131009);
    });

    it('takes what Careline’s own builders produce', async () => {
      const to = `+${PATIENT.wa_id}`;
      const bodies = [
        buildButtonsMessage({
          to,
          body: 'Confirm?',
          buttons: [
            { id: 'y', title: 'Yes' },
            { id: 'n', title: 'No' },
          ],
          footer: 'Careline',
        }),
        buildListMessage({
          to,
          body: 'Pick',
          button: 'Slots',
          sections: [{ title: 'Mon', rows: [{ id: 'm', title: '9:00', description: 'Room 3' }] }],
        }),
        buildLocationMessage({ to, latitude: 38.72, longitude: -9.14, name: 'Hospital' }),
        buildMediaMessage({
          to,
          type: 'document',
          media: { link: 'https://example.org/r.pdf' },
          filename: 'r.pdf',
          caption: 'Your letter',
        }),
      ];
      for (const built of bodies) {
        const result = await request(env.baseUrl, 'POST', `/v23.0/${BUSINESS.phone_number_id}/messages`, {
          token: BUSINESS.access_token,
          body: built,
        });
        expect(result.status, result.text).toBe(200);
      }
    });

    it('still answers contacts messages with 131051: not simulated', async () => {
      expect(await refused({ type: 'contacts', contacts: [] }, 131051)).toContain('not simulated');
    });
  });
});

describe('media fetched before delivery (131053)', () => {
  let env: RunningSimulator;
  let files: Server;
  let filesUrl: string;

  beforeAll(async () => {
    files = createServer((req, res) => {
      if (req.url === '/ok.png') res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(10));
      else if (req.url === '/wrong.png')
        res.writeHead(200, { 'content-type': 'text/html' }).end('<p>login</p>');
      else if (req.url === '/big.png')
        res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(5 * 1024 * 1024 + 1));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => files.close(() => resolve()));
  });
  beforeEach(async () => {
    env = await startSimulator();
    await patientWrites(env.baseUrl, 'hello');
  });
  afterEach(async () => {
    await env.close();
  });

  async function outcome(id: string): Promise<{ status: string; code: number | null }> {
    return waitFor(async () => {
      const inbox = await request<{
        data: { id: string; status: string; failure: { code: number } | null }[];
      }>(env.baseUrl, 'GET', `/_sim/patients/${PATIENT.wa_id}/inbox`);
      const entry = inbox.body.data.find((e) => e.id === id);
      return entry && entry.status !== 'accepted'
        ? { status: entry.status, code: entry.failure?.code ?? null }
        : undefined;
    });
  }

  const image = (image: Record<string, string>) => sendMessage(env.baseUrl, { type: 'image', image });

  it('delivers a link that answers with an image', async () => {
    expect((await outcome(acceptedId(await image({ link: `${filesUrl}/ok.png` })))).code).toBeNull();
  });

  it.each([
    ['a link that answers 404', '/missing.png'],
    ['a link with the wrong content type', '/wrong.png'],
    ['a link over the size limit', '/big.png'],
  ])('fails %s with 131053', async (_what, path) => {
    expect(await outcome(acceptedId(await image({ link: `${filesUrl}${path}` })))).toEqual({
      status: 'failed',
      code: 131053,
    });
  });

  it('fails an unknown media id, and a document id sent as an image, with 131053', async () => {
    expect(await outcome(acceptedId(await image({ id: '1234567890123456' })))).toEqual({
      status: 'failed',
      code: 131053,
    });
    const form = new FormData();
    form.set('messaging_product', 'whatsapp');
    form.set('type', 'application/pdf');
    form.set('file', new Blob([Buffer.from('%PDF')], { type: 'application/pdf' }), 'a.pdf');
    const upload = await fetch(`${env.baseUrl}/v23.0/${BUSINESS.phone_number_id}/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BUSINESS.access_token}` },
      body: form,
    });
    const { id } = (await upload.json()) as { id: string };
    expect(await outcome(acceptedId(await image({ id })))).toEqual({ status: 'failed', code: 131053 });
    const document = acceptedId(
      await sendMessage(env.baseUrl, { type: 'document', document: { id, filename: 'a.pdf' } }),
    );
    expect((await outcome(document)).code).toBeNull();
  });

  it('takes links on trust when fetching is switched off', async () => {
    await request(env.baseUrl, 'PATCH', '/_sim/settings', { body: { media_link_fetch: false } });
    expect((await outcome(acceptedId(await image({ link: `${filesUrl}/missing.png` })))).code).toBeNull();
  });
});

describe('sending limits and unregistered numbers', () => {
  let env: RunningSimulator;

  beforeEach(async () => {
    env = await startSimulator({
      businesses: [BUSINESS, { ...BUSINESS, phone_number_id: '106540352242999', registered: false }],
    });
    // a frozen clock: no token refills while the requests run
    await request(env.baseUrl, 'POST', '/_sim/clock/freeze');
  });
  afterEach(async () => {
    await env.close();
  });

  const text = (to: string) => sendMessage(env.baseUrl, { type: 'text', to, text: { body: 'hi' } });

  it('accepts 80 messages in a second from one number and refuses the 81st with 130429', async () => {
    for (let i = 0; i < 80; i++) expect((await text(`1555${String(i).padStart(7, '0')}`)).status).toBe(200);
    const refused = await text('15559999999');
    expect(refused.status).toBe(400);
    expect((refused.body as GraphErrorReply).error).toMatchObject({ code: 130429, error_subcode: 2494055 });
    await request(env.baseUrl, 'POST', '/_sim/clock/advance', { body: { seconds: 1 } });
    expect((await text('15559999999')).status).toBe(200);
  });

  it('takes a configured throughput (20 mps, coexistence)', async () => {
    await request(env.baseUrl, 'PATCH', '/_sim/settings', { body: { throughput_mps: 20 } });
    for (let i = 0; i < 20; i++) expect((await text(`1555${String(i).padStart(7, '0')}`)).status).toBe(200);
    expectGraphError(await text('15559999999'), 400, 130429);
  });

  it('accepts a burst of 45 to one user, refuses the 46th with 131056, then one per 6 seconds', async () => {
    for (let i = 0; i < 45; i++) expect((await text(PATIENT.wa_id)).status).toBe(200);
    expectGraphError(await text(PATIENT.wa_id), 400, 131056);
    // other users are not affected
    expect((await text('15550001111')).status).toBe(200);
    await request(env.baseUrl, 'POST', '/_sim/clock/advance', { body: { seconds: 5 } });
    expectGraphError(await text(PATIENT.wa_id), 400, 131056);
    await request(env.baseUrl, 'POST', '/_sim/clock/advance', { body: { seconds: 1 } });
    expect((await text(PATIENT.wa_id)).status).toBe(200);
    expectGraphError(await text(PATIENT.wa_id), 400, 131056);
  });

  it('takes a configured pair rate', async () => {
    await request(env.baseUrl, 'PATCH', '/_sim/settings', {
      body: { pair_rate: { burst: 2, interval_seconds: 1 } },
    });
    expect((await text(PATIENT.wa_id)).status).toBe(200);
    expect((await text(PATIENT.wa_id)).status).toBe(200);
    expectGraphError(await text(PATIENT.wa_id), 400, 131056);
  });

  it('refuses sends from a number that is not registered with 133010', async () => {
    const result = await sendMessage(
      env.baseUrl,
      { type: 'text', text: { body: 'hi' } },
      { phoneNumberId: '106540352242999' },
    );
    expect(expectGraphError(result, 400, 133010)).toContain('not registered');
  });
});
