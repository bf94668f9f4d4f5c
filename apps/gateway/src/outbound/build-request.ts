// Turns one `OutboundRequestedV1` into the Graph API call that sends it: the sealed fields are
// opened (the gateway is the one place that must see the clear recipient and content, to hand them
// to Meta) and the body is built with @careline/whatsapp's builders, which enforce Meta's limits.
// Nothing opened here is logged or put into an error: errors carry rule names and codes only.
import {
  MediaKind,
  type OutboundMedia,
  type OutboundRequestedV1,
  type Sealed,
  TemplateButtonSubType,
  type TemplateComponent as ContractTemplateComponent,
  TemplateComponentType,
  type TemplateParameter,
} from '@careline/contracts';
import {
  type MediaSource,
  OutboundValidationError,
  type Recipient,
  type SendMessageRequest,
  type TemplateComponent,
  buildButtonsMessage,
  buildListMessage,
  buildMediaMessage,
  buildReactionMessage,
  buildTemplateMessage,
  buildTextMessage,
} from '@careline/whatsapp';

export type GraphRequest =
  | { kind: 'send'; body: SendMessageRequest }
  | { kind: 'mark_read'; wamid: string; typingIndicator: boolean };

/** Careline-side reasons a command cannot become a Graph call; all of them permanent. */
export type BuildFailureCode = 'unsupported_message_type' | 'invalid_message' | 'sealed_content_unreadable';

export class BuildRequestError extends Error {
  override readonly name = 'BuildRequestError';
  constructor(
    readonly code: BuildFailureCode,
    /** Value-free: rule names or field paths. */
    readonly details: string,
  ) {
    super(`outbound request cannot be built: ${code}${details === '' ? '' : ` (${details})`}`);
  }
}

/** Opens one sealed field of the command (the command's tenant and sealed context are bound in). */
export type OpenSealed = (sealed: Sealed) => Promise<string>;

export async function buildGraphRequest(command: OutboundRequestedV1, openSealed: OpenSealed): Promise<GraphRequest> {
  const open = async (sealed: Sealed | undefined, field: string): Promise<string> => {
    if (sealed === undefined) throw new BuildRequestError('invalid_message', `${field} is missing`);
    try {
      return await openSealed(sealed);
    } catch {
      throw new BuildRequestError('sealed_content_unreadable', field);
    }
  };
  const openOptional = async (sealed: Sealed | undefined, field: string): Promise<string | undefined> =>
    sealed === undefined ? undefined : open(sealed, field);

  const content = command.content;
  if (content === undefined) throw new BuildRequestError('unsupported_message_type', 'no content variant set');
  if (content.$case === 'markAsRead') {
    // No recipient and no body: Meta identifies the message by its wamid.
    if (content.value.wamid === '') throw new BuildRequestError('invalid_message', 'mark_as_read.wamid is missing');
    return { kind: 'mark_read', wamid: content.value.wamid, typingIndicator: content.value.typingIndicator };
  }

  const recipient: Recipient = {
    to: await open(command.recipientWaId, 'recipient_wa_id'),
    // Meta echoes it in this message's status webhooks, so statuses map back to Careline's id.
    bizOpaqueCallbackData: command.messageId,
    ...(command.replyToWamid === '' || content.$case === 'reaction' ? {} : { replyTo: command.replyToWamid }),
  };

  try {
    switch (content.$case) {
      case 'text': {
        const body = await open(content.value.body, 'text.body');
        return send(buildTextMessage({ ...recipient, body, previewUrl: content.value.previewUrl }));
      }
      case 'template': {
        const components: TemplateComponent[] = [];
        for (const [index, component] of content.value.components.entries()) {
          components.push(await templateComponent(component, `template.components.${index}`, open));
        }
        return send(
          buildTemplateMessage({
            ...recipient,
            name: content.value.name,
            languageCode: content.value.languageCode,
            ...(components.length === 0 ? {} : { components }),
          }),
        );
      }
      case 'media': {
        const media = content.value;
        const source = await mediaSource(media, 'media', open);
        const caption = await openOptional(media.caption, 'media.caption');
        const filename = await openOptional(media.filename, 'media.filename');
        const type = mediaType(media.kind, 'media.kind');
        if (type === 'audio' || type === 'sticker') {
          if (caption !== undefined || filename !== undefined) {
            throw new BuildRequestError('invalid_message', `${type} takes no caption or filename`);
          }
          return send(buildMediaMessage({ ...recipient, type, media: source }));
        }
        if (type === 'document') {
          return send(buildMediaMessage({ ...recipient, type, media: source, caption, filename }));
        }
        if (filename !== undefined) throw new BuildRequestError('invalid_message', `${type} takes no filename`);
        return send(buildMediaMessage({ ...recipient, type, media: source, caption }));
      }
      case 'buttons': {
        const b = content.value;
        const header = await openOptional(b.headerText, 'buttons.header_text');
        const footer = await openOptional(b.footer, 'buttons.footer');
        const buttons = [];
        for (const [index, button] of b.buttons.entries()) {
          buttons.push({ id: button.id, title: await open(button.title, `buttons.buttons.${index}.title`) });
        }
        return send(
          buildButtonsMessage({
            ...recipient,
            body: await open(b.body, 'buttons.body'),
            buttons,
            ...(header === undefined ? {} : { header: { type: 'text' as const, text: header } }),
            ...(footer === undefined ? {} : { footer }),
          }),
        );
      }
      case 'list': {
        const l = content.value;
        const header = await openOptional(l.headerText, 'list.header_text');
        const footer = await openOptional(l.footer, 'list.footer');
        const sections = [];
        for (const [s, section] of l.sections.entries()) {
          const rows = [];
          for (const [r, row] of section.rows.entries()) {
            const description = await openOptional(row.description, `list.sections.${s}.rows.${r}.description`);
            rows.push({
              id: row.id,
              title: await open(row.title, `list.sections.${s}.rows.${r}.title`),
              ...(description === undefined ? {} : { description }),
            });
          }
          const title = await openOptional(section.title, `list.sections.${s}.title`);
          sections.push({ ...(title === undefined ? {} : { title }), rows });
        }
        return send(
          buildListMessage({
            ...recipient,
            body: await open(l.body, 'list.body'),
            button: await open(l.buttonText, 'list.button_text'),
            sections,
            ...(header === undefined ? {} : { header }),
            ...(footer === undefined ? {} : { footer }),
          }),
        );
      }
      case 'reaction': {
        // An absent emoji removes an earlier reaction (Meta: empty string).
        const emoji = (await openOptional(content.value.emoji, 'reaction.emoji')) ?? '';
        return send(buildReactionMessage({ ...recipient, messageId: content.value.wamid, emoji }));
      }
    }
  } catch (error) {
    if (error instanceof OutboundValidationError) throw new BuildRequestError('invalid_message', error.rules.join(', '));
    throw error;
  }
  // A variant added to the contract after this code was written.
  throw new BuildRequestError('unsupported_message_type', 'unknown content variant');
}

function send(body: SendMessageRequest): GraphRequest {
  return { kind: 'send', body };
}

type Open = (sealed: Sealed | undefined, field: string) => Promise<string>;

function mediaType(kind: MediaKind, field: string): 'image' | 'video' | 'audio' | 'document' | 'sticker' {
  switch (kind) {
    case MediaKind.MEDIA_KIND_IMAGE:
      return 'image';
    case MediaKind.MEDIA_KIND_VIDEO:
      return 'video';
    case MediaKind.MEDIA_KIND_AUDIO:
      return 'audio';
    case MediaKind.MEDIA_KIND_DOCUMENT:
      return 'document';
    case MediaKind.MEDIA_KIND_STICKER:
      return 'sticker';
    case MediaKind.MEDIA_KIND_UNSPECIFIED:
    case MediaKind.UNRECOGNIZED:
      throw new BuildRequestError('unsupported_message_type', `${field} is not set or not known`);
  }
}

async function mediaSource(media: OutboundMedia, field: string, open: Open): Promise<MediaSource> {
  switch (media.source?.$case) {
    case 'mediaId':
      return { id: media.source.value };
    case 'link':
      return { link: await open(media.source.value, `${field}.link`) };
    case undefined:
      throw new BuildRequestError('invalid_message', `${field}.source is missing`);
  }
}

async function templateComponent(
  component: ContractTemplateComponent,
  field: string,
  open: Open,
): Promise<TemplateComponent> {
  const parameters = component.parameters;
  switch (component.type) {
    case TemplateComponentType.TEMPLATE_COMPONENT_TYPE_HEADER: {
      const list = [];
      for (const [i, p] of parameters.entries()) list.push(await headerParameter(p, `${field}.parameters.${i}`, open));
      return { type: 'header', parameters: list };
    }
    case TemplateComponentType.TEMPLATE_COMPONENT_TYPE_BODY: {
      const list = [];
      for (const [i, p] of parameters.entries()) {
        if (p.value?.$case !== 'text') throw new BuildRequestError('invalid_message', `${field}.parameters.${i} must be text`);
        list.push({
          type: 'text' as const,
          text: await open(p.value.value, `${field}.parameters.${i}`),
          ...(p.parameterName === '' ? {} : { parameter_name: p.parameterName }),
        });
      }
      return { type: 'body', parameters: list };
    }
    case TemplateComponentType.TEMPLATE_COMPONENT_TYPE_BUTTON: {
      const index = String(component.index);
      switch (component.subType) {
        case TemplateButtonSubType.TEMPLATE_BUTTON_SUB_TYPE_QUICK_REPLY: {
          const list = parameters.map((p, i) => {
            if (p.value?.$case !== 'payload') throw new BuildRequestError('invalid_message', `${field}.parameters.${i} must be a payload`);
            return { type: 'payload' as const, payload: p.value.value };
          });
          return { type: 'button', sub_type: 'quick_reply', index, parameters: list };
        }
        case TemplateButtonSubType.TEMPLATE_BUTTON_SUB_TYPE_URL:
        case TemplateButtonSubType.TEMPLATE_BUTTON_SUB_TYPE_COPY_CODE: {
          const url = component.subType === TemplateButtonSubType.TEMPLATE_BUTTON_SUB_TYPE_URL;
          const list = [];
          for (const [i, p] of parameters.entries()) {
            if (p.value?.$case !== 'text') throw new BuildRequestError('invalid_message', `${field}.parameters.${i} must be text`);
            const text = await open(p.value.value, `${field}.parameters.${i}`);
            list.push(url ? { type: 'text' as const, text } : { type: 'coupon_code' as const, coupon_code: text });
          }
          return { type: 'button', sub_type: url ? 'url' : 'copy_code', index, parameters: list };
        }
        case TemplateButtonSubType.TEMPLATE_BUTTON_SUB_TYPE_UNSPECIFIED:
        case TemplateButtonSubType.UNRECOGNIZED:
          throw new BuildRequestError('invalid_message', `${field}.sub_type is not set or not known`);
      }
      break;
    }
    case TemplateComponentType.TEMPLATE_COMPONENT_TYPE_UNSPECIFIED:
    case TemplateComponentType.UNRECOGNIZED:
      break;
  }
  throw new BuildRequestError('invalid_message', `${field}.type is not set or not known`);
}

async function headerParameter(
  p: TemplateParameter,
  field: string,
  open: Open,
): Promise<Extract<TemplateComponent, { type: 'header' }>['parameters'][number]> {
  switch (p.value?.$case) {
    case 'text':
      return {
        type: 'text',
        text: await open(p.value.value, field),
        ...(p.parameterName === '' ? {} : { parameter_name: p.parameterName }),
      };
    case 'media': {
      const media = p.value.value;
      const type = mediaType(media.kind, `${field}.kind`);
      const source = await mediaSource(media, field, open);
      const filename = media.filename === undefined ? undefined : await open(media.filename, `${field}.filename`);
      if (type === 'image') return { type, image: source };
      if (type === 'video') return { type, video: source };
      if (type === 'document') return { type, document: { ...source, ...(filename === undefined ? {} : { filename }) } };
      throw new BuildRequestError('invalid_message', `${field}: a template header takes an image, video or document`);
    }
    case 'payload':
    case undefined:
      throw new BuildRequestError('invalid_message', `${field} must be text or media`);
  }
}
