import {
  MediaKind,
  type OutboundRequestedV1,
  type Sealed,
  TOPICS,
  TemplateButtonSubType,
  TemplateComponentType,
  sealContext,
} from '@careline/contracts';
import { sampleOutboundRequested } from '@careline/contracts/testing';
import { testSealer } from '@careline/crypto/testing';
import { describe, expect, it } from 'vitest';
import { TENANT_A } from '../test/fixtures';
import { BuildRequestError, buildGraphRequest } from './build-request';

const sealer = testSealer();
const MESSAGE_ID = '7d9f0c59-2f4e-4c1b-9d35-0c5d9e1a2b3c';
const context = sealContext(TOPICS.outboundRequested, MESSAGE_ID);
const seal = (text: string): Promise<Sealed> => sealer.seal(TENANT_A, text, context);
const open = (sealed: Sealed) => sealer.openString(TENANT_A, sealed, context);

async function command(content: OutboundRequestedV1['content'], overrides: Partial<OutboundRequestedV1> = {}): Promise<OutboundRequestedV1> {
  return sampleOutboundRequested({
    tenantId: TENANT_A,
    messageId: MESSAGE_ID,
    recipientWaId: await seal('16505551234'),
    replyToWamid: '',
    content,
    ...overrides,
  });
}

async function failureOf(promise: Promise<unknown>): Promise<BuildRequestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BuildRequestError);
  return error as BuildRequestError;
}

describe('buildGraphRequest', () => {
  it('builds a text message with the Careline message id as callback data', async () => {
    const request = await buildGraphRequest(
      await command({ $case: 'text', value: { body: await seal('Olá, Zoë'), previewUrl: false } }, { replyToWamid: 'wamid.Q' }),
      open,
    );
    expect(request).toEqual({
      kind: 'send',
      body: {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '16505551234',
        context: { message_id: 'wamid.Q' },
        biz_opaque_callback_data: MESSAGE_ID,
        type: 'text',
        text: { body: 'Olá, Zoë', preview_url: false },
      },
    });
  });

  it('builds a template with header media, body text and buttons', async () => {
    const request = await buildGraphRequest(
      await command({
        $case: 'template',
        value: {
          name: 'appointment_reminder',
          languageCode: 'en_US',
          components: [
            {
              type: TemplateComponentType.TEMPLATE_COMPONENT_TYPE_HEADER,
              subType: TemplateButtonSubType.TEMPLATE_BUTTON_SUB_TYPE_UNSPECIFIED,
              index: 0,
              parameters: [
                { parameterName: '', value: { $case: 'media', value: { kind: MediaKind.MEDIA_KIND_DOCUMENT, source: { $case: 'mediaId', value: '123' }, filename: await seal('letter.pdf') } } },
              ],
            },
            {
              type: TemplateComponentType.TEMPLATE_COMPONENT_TYPE_BODY,
              subType: TemplateButtonSubType.TEMPLATE_BUTTON_SUB_TYPE_UNSPECIFIED,
              index: 0,
              parameters: [{ parameterName: '', value: { $case: 'text', value: await seal('Ana') } }],
            },
            {
              type: TemplateComponentType.TEMPLATE_COMPONENT_TYPE_BUTTON,
              subType: TemplateButtonSubType.TEMPLATE_BUTTON_SUB_TYPE_QUICK_REPLY,
              index: 0,
              parameters: [{ parameterName: '', value: { $case: 'payload', value: 'CONFIRM_1' } }],
            },
            {
              type: TemplateComponentType.TEMPLATE_COMPONENT_TYPE_BUTTON,
              subType: TemplateButtonSubType.TEMPLATE_BUTTON_SUB_TYPE_URL,
              index: 1,
              parameters: [{ parameterName: '', value: { $case: 'text', value: await seal('abc123') } }],
            },
          ],
        },
      }),
      open,
    );
    expect(request.kind === 'send' && request.body).toMatchObject({
      type: 'template',
      template: {
        name: 'appointment_reminder',
        language: { code: 'en_US' },
        components: [
          { type: 'header', parameters: [{ type: 'document', document: { id: '123', filename: 'letter.pdf' } }] },
          { type: 'body', parameters: [{ type: 'text', text: 'Ana' }] },
          { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'CONFIRM_1' }] },
          { type: 'button', sub_type: 'url', index: '1', parameters: [{ type: 'text', text: 'abc123' }] },
        ],
      },
    });
  });

  it('builds media, buttons, list and reaction messages', async () => {
    const media = await buildGraphRequest(
      await command({ $case: 'media', value: { kind: MediaKind.MEDIA_KIND_IMAGE, source: { $case: 'link', value: await seal('https://x.test/a.png') }, caption: await seal('Your scan') } }),
      open,
    );
    expect(media.kind === 'send' && media.body).toMatchObject({ type: 'image', image: { link: 'https://x.test/a.png', caption: 'Your scan' } });

    const buttons = await buildGraphRequest(
      await command({
        $case: 'buttons',
        value: { body: await seal('Confirm?'), buttons: [{ id: 'yes', title: await seal('Yes') }, { id: 'no', title: await seal('No') }] },
      }),
      open,
    );
    expect(buttons.kind === 'send' && buttons.body).toMatchObject({
      type: 'interactive',
      interactive: { type: 'button', body: { text: 'Confirm?' }, action: { buttons: [{ reply: { id: 'yes', title: 'Yes' } }, { reply: { id: 'no', title: 'No' } }] } },
    });

    const list = await buildGraphRequest(
      await command({
        $case: 'list',
        value: {
          body: await seal('Pick a slot'),
          buttonText: await seal('Slots'),
          sections: [{ rows: [{ id: 's1', title: await seal('Mon 9:00') }] }],
        },
      }),
      open,
    );
    expect(list.kind === 'send' && list.body).toMatchObject({
      interactive: { type: 'list', action: { button: 'Slots', sections: [{ rows: [{ id: 's1', title: 'Mon 9:00' }] }] } },
    });

    const reaction = await buildGraphRequest(await command({ $case: 'reaction', value: { wamid: 'wamid.P' } }, { replyToWamid: 'wamid.Q' }), open);
    expect(reaction.kind === 'send' && reaction.body).toMatchObject({ type: 'reaction', reaction: { message_id: 'wamid.P', emoji: '' } });
    expect(reaction.kind === 'send' && 'context' in reaction.body).toBe(false);
  });

  it('turns mark-as-read into a mark-read call without opening anything', async () => {
    const request = await buildGraphRequest(
      await command({ $case: 'markAsRead', value: { wamid: 'wamid.P', typingIndicator: true } }, { recipientWaId: undefined }),
      open,
    );
    expect(request).toEqual({ kind: 'mark_read', wamid: 'wamid.P', typingIndicator: true });
  });

  it('fails without a content variant as unsupported_message_type', async () => {
    expect((await failureOf(buildGraphRequest(await command(undefined), open))).code).toBe('unsupported_message_type');
    const unknownKind = await command({ $case: 'media', value: { kind: MediaKind.MEDIA_KIND_UNSPECIFIED, source: { $case: 'mediaId', value: '1' } } });
    expect((await failureOf(buildGraphRequest(unknownKind, open))).code).toBe('unsupported_message_type');
  });

  it("fails with Meta's rule names for content that breaks a limit, quoting no content", async () => {
    const long = 'x'.repeat(4097);
    const error = await failureOf(buildGraphRequest(await command({ $case: 'text', value: { body: await seal(long), previewUrl: false } }), open));
    expect(error.code).toBe('invalid_message');
    expect(error.details).toBe('text.body.max_4096');
    expect(error.message).not.toContain('xxxx');
  });

  it('fails as sealed_content_unreadable when a box was sealed for another context', async () => {
    const elsewhere = await sealer.seal(TENANT_A, 'Olá', sealContext(TOPICS.outboundRequested, 'another-id'));
    const error = await failureOf(buildGraphRequest(await command({ $case: 'text', value: { body: elsewhere, previewUrl: false } }), open));
    expect(error.code).toBe('sealed_content_unreadable');
    expect(error.details).toBe('text.body');
  });
});
