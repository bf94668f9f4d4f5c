import { describe, expect, it } from 'vitest';
import { OutboundValidationError } from '../errors.js';
import {
  buildButtonsMessage,
  buildListMessage,
  buildLocationMessage,
  buildMarkRead,
  buildMediaMessage,
  buildReactionMessage,
  buildTemplateMessage,
  buildTextMessage,
  validateOutboundMessage,
} from './builders.js';

const to = '+16505551234';

function rulesOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OutboundValidationError);
    return (error as OutboundValidationError).rules;
  }
  throw new Error('expected an OutboundValidationError');
}

describe('text', () => {
  it("builds Meta's body, with quoting and callback data", () => {
    expect(
      buildTextMessage({
        to,
        body: 'Olá',
        previewUrl: false,
        replyTo: 'wamid.IN',
        bizOpaqueCallbackData: 'cmd-1',
      }),
    ).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to,
      context: { message_id: 'wamid.IN' },
      biz_opaque_callback_data: 'cmd-1',
      type: 'text',
      text: { body: 'Olá', preview_url: false },
    });
  });

  it('allows 4096 characters and refuses 4097; counts an emoji as one character', () => {
    expect(() => buildTextMessage({ to, body: 'a'.repeat(4096) })).not.toThrow();
    expect(() => buildTextMessage({ to, body: '😀'.repeat(4096) })).not.toThrow();
    expect(rulesOf(() => buildTextMessage({ to, body: 'a'.repeat(4097) }))).toEqual(['text.body.max_4096']);
    expect(rulesOf(() => buildTextMessage({ to, body: '' }))).toEqual(['text.body.required']);
  });

  it('refuses a recipient that is not a number, without echoing it', () => {
    try {
      buildTextMessage({ to: 'ana@example.org', body: 'secret-body' });
      expect.unreachable();
    } catch (error) {
      expect((error as OutboundValidationError).rules).toEqual(['to.format']);
      expect(String(error)).not.toContain('ana@example.org');
      expect(String(error)).not.toContain('secret-body');
    }
  });
});

describe('template', () => {
  it('builds the fact sheet example', () => {
    const body = buildTemplateMessage({
      to: '16505551234',
      name: 'appointment_reminder',
      languageCode: 'en_US',
      components: [
        {
          type: 'header',
          parameters: [{ type: 'document', document: { id: '4490709327384033', filename: 'letter.pdf' } }],
        },
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Ana' },
            { type: 'text', text: '12 May 10:30' },
          ],
        },
        {
          type: 'button',
          sub_type: 'quick_reply',
          index: '0',
          parameters: [{ type: 'payload', payload: 'CONFIRM_123' }],
        },
        { type: 'button', sub_type: 'url', index: '1', parameters: [{ type: 'text', text: 'abc123' }] },
      ],
    });
    expect(body.type === 'template' && body.template).toMatchObject({
      name: 'appointment_reminder',
      language: { code: 'en_US' },
    });
    expect(body.type === 'template' && body.template.components?.map((c) => c.type)).toEqual([
      'header',
      'body',
      'button',
      'button',
    ]);
  });

  it('accepts currency and date_time body parameters and the deterministic policy', () => {
    expect(() =>
      buildTemplateMessage({
        to,
        name: 'bill',
        languageCode: 'pt_BR',
        deterministic: true,
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'currency', currency: { fallback_value: '€12.50', code: 'EUR', amount_1000: 12500 } },
              { type: 'date_time', date_time: { fallback_value: 'May 12' } },
            ],
          },
        ],
      }),
    ).not.toThrow();
  });

  it('names the rule that a bad template breaks', () => {
    expect(
      rulesOf(() => buildTemplateMessage({ to, name: 'Appointment Reminder', languageCode: 'en_US' })),
    ).toEqual(['template.name_format']);
    expect(rulesOf(() => buildTemplateMessage({ to, name: 'x', languageCode: 'english' }))).toEqual([
      'template.language.code_format',
    ]);
    expect(
      rulesOf(() =>
        buildTemplateMessage({
          to,
          name: 'x',
          languageCode: 'en',
          components: [
            {
              type: 'button',
              sub_type: 'quick_reply',
              index: '0',
              parameters: [{ type: 'text', text: 'oops' }],
            },
          ],
        }),
      ),
    ).toEqual(['template.button.parameter_matches_sub_type']);
    expect(
      rulesOf(() =>
        buildTemplateMessage({
          to,
          name: 'x',
          languageCode: 'en',
          components: [
            {
              type: 'button',
              sub_type: 'quick_reply',
              index: '0',
              parameters: [{ type: 'payload', payload: 'A' }],
            },
            {
              type: 'button',
              sub_type: 'quick_reply',
              index: '0',
              parameters: [{ type: 'payload', payload: 'B' }],
            },
          ],
        }),
      ),
    ).toEqual(['template.components.button_index_unique']);
  });
});

describe('media', () => {
  it('by id or by link, with caption and filename where Meta allows them', () => {
    expect(
      buildMediaMessage({
        to,
        type: 'document',
        media: { id: '123' },
        caption: 'Result',
        filename: 'result.pdf',
      }),
    ).toMatchObject({
      type: 'document',
      document: { id: '123', caption: 'Result', filename: 'result.pdf' },
    });
    expect(
      buildMediaMessage({ to, type: 'image', media: { link: 'https://cdn.example/x.jpg' } }),
    ).toMatchObject({
      image: { link: 'https://cdn.example/x.jpg' },
    });
    expect(buildMediaMessage({ to, type: 'audio', media: { id: '9' } })).toMatchObject({
      audio: { id: '9' },
    });
  });

  it('refuses both or neither of id and link, a non-http link, a long caption, and a caption on audio', () => {
    expect(
      rulesOf(() =>
        validateOutboundMessage({
          messaging_product: 'whatsapp',
          to,
          type: 'image',
          image: { id: '1', link: 'https://x.y/z' },
        }),
      ),
    ).toEqual(['image.id_xor_link']);
    expect(
      rulesOf(() => validateOutboundMessage({ messaging_product: 'whatsapp', to, type: 'video', video: {} })),
    ).toEqual(['video.id_xor_link']);
    expect(
      rulesOf(() => buildMediaMessage({ to, type: 'image', media: { link: 'file:///etc/passwd' } })),
    ).toEqual(['media.link.http_url']);
    expect(
      rulesOf(() => buildMediaMessage({ to, type: 'image', media: { id: '1' }, caption: 'c'.repeat(1025) })),
    ).toEqual(['image.caption.max_1024']);
    expect(
      rulesOf(() =>
        validateOutboundMessage({
          messaging_product: 'whatsapp',
          to,
          type: 'audio',
          audio: { id: '1', caption: 'no' },
        }),
      ),
    ).toEqual(['audio: unrecognized_keys']);
  });
});

describe('interactive buttons', () => {
  const buttons = [
    { id: 'confirm', title: 'Confirm' },
    { id: 'cancel', title: 'Cancel' },
  ];

  it('builds the fact sheet shape', () => {
    expect(
      buildButtonsMessage({
        to,
        header: { type: 'text', text: 'Appointment' },
        body: 'Confirm?',
        footer: 'Careline',
        buttons,
      }),
    ).toMatchObject({
      type: 'interactive',
      interactive: {
        type: 'button',
        header: { type: 'text', text: 'Appointment' },
        body: { text: 'Confirm?' },
        footer: { text: 'Careline' },
        action: {
          buttons: [
            { type: 'reply', reply: { id: 'confirm', title: 'Confirm' } },
            { type: 'reply', reply: { id: 'cancel', title: 'Cancel' } },
          ],
        },
      },
    });
  });

  it('enforces 1-3 buttons, titles of 1-20 characters, unique titles and ids', () => {
    expect(rulesOf(() => buildButtonsMessage({ to, body: 'b', buttons: [] }))).toEqual([
      'interactive.buttons.count_1_3',
    ]);
    const four = [1, 2, 3, 4].map((n) => ({ id: `b${n}`, title: `B${n}` }));
    expect(rulesOf(() => buildButtonsMessage({ to, body: 'b', buttons: four }))).toEqual([
      'interactive.buttons.count_1_3',
    ]);
    expect(() =>
      buildButtonsMessage({ to, body: 'b', buttons: [{ id: 'x', title: 't'.repeat(20) }] }),
    ).not.toThrow();
    expect(
      rulesOf(() => buildButtonsMessage({ to, body: 'b', buttons: [{ id: 'x', title: 't'.repeat(21) }] })),
    ).toEqual(['interactive.button.title.max_20']);
    expect(rulesOf(() => buildButtonsMessage({ to, body: 'b', buttons: [{ id: 'x', title: '' }] }))).toEqual([
      'interactive.button.title.required',
    ]);
    expect(
      rulesOf(() =>
        buildButtonsMessage({
          to,
          body: 'b',
          buttons: [
            { id: 'a', title: 'Same' },
            { id: 'b', title: 'Same' },
          ],
        }),
      ),
    ).toEqual(['interactive.button.title_unique']);
    expect(
      rulesOf(() =>
        buildButtonsMessage({
          to,
          body: 'b',
          buttons: [
            { id: 'a', title: 'One' },
            { id: 'a', title: 'Two' },
          ],
        }),
      ),
    ).toEqual(['interactive.button.id_unique']);
    expect(
      rulesOf(() => buildButtonsMessage({ to, body: 'b', buttons: [{ id: 'i'.repeat(257), title: 'T' }] })),
    ).toEqual(['interactive.button.id.max_256']);
  });

  it('limits body to 1024 and header and footer to 60 characters', () => {
    expect(rulesOf(() => buildButtonsMessage({ to, body: 'b'.repeat(1025), buttons }))).toEqual([
      'interactive.body.text.max_1024',
    ]);
    expect(rulesOf(() => buildButtonsMessage({ to, body: 'b', footer: 'f'.repeat(61), buttons }))).toEqual([
      'interactive.footer.text.max_60',
    ]);
    expect(
      rulesOf(() =>
        buildButtonsMessage({ to, body: 'b', header: { type: 'text', text: 'h'.repeat(61) }, buttons }),
      ),
    ).toEqual(['interactive.header.text.max_60']);
  });
});

describe('interactive list', () => {
  const rows = (n: number, prefix = 'r') =>
    Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, title: `Slot ${i}` }));

  it('builds a list with sections', () => {
    expect(
      buildListMessage({
        to,
        body: 'Pick a slot',
        button: 'Choose',
        sections: [{ title: 'Tuesday', rows: [{ id: 'r1', title: '10:30', description: 'Dr Rui' }] }],
      }),
    ).toMatchObject({
      interactive: {
        type: 'list',
        body: { text: 'Pick a slot' },
        action: {
          button: 'Choose',
          sections: [{ title: 'Tuesday', rows: [{ id: 'r1', title: '10:30', description: 'Dr Rui' }] }],
        },
      },
    });
  });

  it('enforces section count, titles when several, 10 rows in total, unique row ids and field lengths', () => {
    expect(rulesOf(() => buildListMessage({ to, body: 'b', button: 'Choose', sections: [] }))).toEqual([
      'interactive.list.sections.count_1_10',
    ]);
    expect(
      rulesOf(() =>
        buildListMessage({
          to,
          body: 'b',
          button: 'Choose',
          sections: [{ rows: rows(1, 'a') }, { rows: rows(1, 'b') }],
        }),
      ),
    ).toEqual(['interactive.list.section.title_required_when_several']);
    expect(() =>
      buildListMessage({ to, body: 'b', button: 'Choose', sections: [{ rows: rows(10) }] }),
    ).not.toThrow();
    expect(
      rulesOf(() =>
        buildListMessage({
          to,
          body: 'b',
          button: 'Choose',
          sections: [
            { title: 'A', rows: rows(6, 'a') },
            { title: 'B', rows: rows(5, 'b') },
          ],
        }),
      ),
    ).toEqual(['interactive.list.rows.max_10_total']);
    expect(
      rulesOf(() =>
        buildListMessage({
          to,
          body: 'b',
          button: 'Choose',
          sections: [
            { title: 'A', rows: rows(1) },
            { title: 'B', rows: rows(1) },
          ],
        }),
      ),
    ).toEqual(['interactive.list.row.id_unique']);
    expect(
      rulesOf(() =>
        buildListMessage({ to, body: 'b', button: 'b'.repeat(21), sections: [{ rows: rows(1) }] }),
      ),
    ).toEqual(['interactive.list.button.max_20']);
    expect(
      rulesOf(() =>
        buildListMessage({
          to,
          body: 'b',
          button: 'Choose',
          sections: [{ title: 't'.repeat(25), rows: rows(1) }],
        }),
      ),
    ).toEqual(['interactive.list.section.title.max_24']);
    expect(
      rulesOf(() =>
        buildListMessage({
          to,
          body: 'b',
          button: 'Choose',
          sections: [{ rows: [{ id: 'i'.repeat(201), title: 't'.repeat(25), description: 'd'.repeat(73) }] }],
        }),
      ),
    ).toEqual([
      'interactive.list.row.id.max_200',
      'interactive.list.row.title.max_24',
      'interactive.list.row.description.max_72',
    ]);
    expect(
      rulesOf(() =>
        buildListMessage({ to, body: 'b', button: 'Choose', sections: [{ title: 'A', rows: [] }] }),
      ),
    ).toEqual(['interactive.list.section.rows_required']);
  });
});

describe('reaction, location, mark as read', () => {
  it('reaction and its removal', () => {
    expect(buildReactionMessage({ to, messageId: 'wamid.IN', emoji: '😀' })).toMatchObject({
      type: 'reaction',
      reaction: { message_id: 'wamid.IN', emoji: '😀' },
    });
    expect(buildReactionMessage({ to, messageId: 'wamid.IN', emoji: '' })).toMatchObject({
      reaction: { emoji: '' },
    });
    expect(rulesOf(() => buildReactionMessage({ to, messageId: '', emoji: '😀' }))).toEqual([
      'message_id.required',
    ]);
  });

  it('location with coordinates in range', () => {
    expect(buildLocationMessage({ to, latitude: 38.7, longitude: -9.1, name: 'Hospital' })).toMatchObject({
      location: { latitude: 38.7, longitude: -9.1, name: 'Hospital' },
    });
    expect(rulesOf(() => buildLocationMessage({ to, latitude: 91, longitude: 0 }))).toEqual([
      'location.latitude.range',
    ]);
    expect(rulesOf(() => buildLocationMessage({ to, latitude: 0, longitude: -181 }))).toEqual([
      'location.longitude.range',
    ]);
  });

  it('mark as read, with and without a typing indicator', () => {
    expect(buildMarkRead('wamid.IN')).toEqual({
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: 'wamid.IN',
    });
    expect(buildMarkRead('wamid.IN', { typingIndicator: true })).toEqual({
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: 'wamid.IN',
      typing_indicator: { type: 'text' },
    });
  });
});

describe('validateOutboundMessage', () => {
  it('refuses unknown types and misspelt keys instead of sending them', () => {
    expect(
      rulesOf(() => validateOutboundMessage({ messaging_product: 'whatsapp', to, type: 'fax' })),
    ).toEqual(['type: invalid_union']);
    expect(
      rulesOf(() =>
        validateOutboundMessage({
          messaging_product: 'whatsapp',
          to,
          type: 'text',
          text: { body: 'x', previewUrl: true },
        }),
      ),
    ).toEqual(['text: unrecognized_keys']);
  });
});
