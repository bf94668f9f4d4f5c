// An inbound WhatsApp message (as @careline/whatsapp parsed it) → `PatientMessageReceivedV1`.
// Everything that identifies the patient or says something about them is sealed; Meta's and
// Careline's ids stay in clear (contracts: proto/careline/events/v1/patient_message_received.proto).
import {
  ContactCards,
  type InboundContext,
  type InboundMedia,
  LocationDetails,
  type MetaError,
  type PatientMessageReceivedV1,
  TOPICS,
  WA_ID_HASH_PURPOSE,
} from '@careline/contracts';
import { type Sealer } from '@careline/crypto';
import {
  type InboundMessage,
  type InteractiveReply,
  type MessageEvent,
  type WhatsAppError,
} from '@careline/whatsapp';
import { type SealField, sealOptional, sealerFor } from './seal';

type Content = NonNullable<PatientMessageReceivedV1['content']>;

export interface PatientMessageInput {
  tenantId: string;
  /** The Careline id for this message (a fresh UUID on first sight of its wamid). */
  messageId: string;
  /** When the gateway received the webhook. */
  receivedAt: Date;
  event: MessageEvent;
}

export async function toPatientMessageReceived(
  sealer: Sealer,
  input: PatientMessageInput,
): Promise<PatientMessageReceivedV1> {
  const { tenantId, messageId, event } = input;
  const { message } = event;
  const seal = sealerFor(sealer, tenantId, TOPICS.patientMessageReceived, messageId);
  // The parser's waId: the contacts[] entry for the sender when Meta sent one (Meta: a wa_id is
  // not always the phone number in `from`), else `from`. It is the id replies are addressed to.
  const waId = event.waId;
  return {
    tenantId,
    messageId,
    wamid: message.wamid,
    phoneNumberId: event.phoneNumberId,
    waId: await seal(waId),
    waIdHash: await sealer.blindIndex(tenantId, WA_ID_HASH_PURPOSE, waId),
    // Patient resolution (records) comes with a later issue; empty means "not resolved".
    patientId: '',
    sentAt: message.date,
    receivedAt: input.receivedAt,
    profileName: await sealOptional(seal, event.profileName),
    context: contextOf(message),
    content: await contentOf(message, seal),
  };
}

function contextOf(message: InboundMessage): InboundContext | undefined {
  const context = message.context;
  if (context === undefined) return undefined;
  return {
    repliedToWamid: context.messageId ?? '',
    forwarded: context.forwarded,
    frequentlyForwarded: context.frequentlyForwarded,
  };
}

async function contentOf(message: InboundMessage, seal: SealField): Promise<Content> {
  switch (message.type) {
    case 'text':
      // Sealed even when empty: the variant must say "text" and carry a body.
      return { $case: 'text', value: { body: await seal(message.text.body) } };
    case 'image':
      return { $case: 'image', value: await media(message.image, seal, { caption: message.image.caption }) };
    case 'video':
      return { $case: 'video', value: await media(message.video, seal, { caption: message.video.caption }) };
    case 'audio':
      return { $case: 'audio', value: await media(message.audio, seal, { voice: message.audio.voice }) };
    case 'document':
      return {
        $case: 'document',
        value: await media(message.document, seal, {
          caption: message.document.caption,
          filename: message.document.filename,
        }),
      };
    case 'sticker':
      return {
        $case: 'sticker',
        value: await media(message.sticker, seal, { animated: message.sticker.animated }),
      };
    case 'location': {
      const { latitude, longitude, name, address, url } = message.location;
      const details = LocationDetails.encode({
        latitude,
        longitude,
        name: name ?? '',
        address: address ?? '',
        url: url ?? '',
      }).finish();
      return { $case: 'location', value: { details: await seal(details) } };
    }
    case 'contacts': {
      const cards = ContactCards.encode({
        cards: message.contacts.map((card) => ({
          formattedName: card.formattedName,
          firstName: card.firstName ?? '',
          lastName: card.lastName ?? '',
          phones: card.phones.map((p) => ({ phone: p.phone ?? '', waId: p.waId ?? '', type: p.type ?? '' })),
          emails: card.emails.map((e) => ({ email: e.email ?? '', type: e.type ?? '' })),
          organization: card.company ?? '',
          // The parser does not read Meta's `birthday`; the field stays empty until it does.
          birthday: '',
        })),
      }).finish();
      return { $case: 'contacts', value: { cards: await seal(cards) } };
    }
    case 'interactive':
      return interactiveContent(message.interactive, message.errors, seal);
    case 'button':
      return {
        $case: 'templateButtonReply',
        value: { payload: message.button.payload, text: await seal(message.button.text) },
      };
    case 'reaction':
      return {
        $case: 'reaction',
        // An empty emoji means the patient removed the reaction: the field is then absent.
        value: {
          reactedToWamid: message.reaction.messageId,
          emoji: await sealOptional(seal, message.reaction.emoji),
        },
      };
    case 'order':
    case 'system':
    case 'unsupported':
      // No variant in the contract yet (order, system such as user_changed_number), or Meta's own
      // "unsupported" (e.g. 131051): the type and Meta's errors go through, the content does not.
      return unsupported(message.type, message.errors);
    case 'unrecognized':
      return unsupported(message.originalType, message.errors);
  }
}

async function interactiveContent(
  reply: InteractiveReply,
  errors: readonly WhatsAppError[],
  seal: SealField,
): Promise<Content> {
  switch (reply.type) {
    case 'button_reply':
      return { $case: 'buttonReply', value: { buttonId: reply.id, title: await seal(reply.title) } };
    case 'list_reply':
      return {
        $case: 'listReply',
        value: {
          rowId: reply.id,
          title: await seal(reply.title),
          description: await sealOptional(seal, reply.description),
        },
      };
    case 'unrecognized':
      // Flows (`nfm_reply`) and future interactive kinds: kept by name, content not read.
      return unsupported(`interactive.${reply.originalType}`, errors);
  }
}

function unsupported(type: string, errors: readonly WhatsAppError[]): Content {
  return { $case: 'unsupported', value: { type, errors: errors.map(toMetaError) } };
}

async function media(
  source: { mediaId: string; mimeType: string; sha256: string },
  seal: SealField,
  extra: { caption?: string | undefined; filename?: string | undefined; voice?: boolean; animated?: boolean },
): Promise<InboundMedia> {
  return {
    mediaId: source.mediaId,
    mimeType: source.mimeType,
    sha256: source.sha256,
    caption: await sealOptional(seal, extra.caption),
    filename: await sealOptional(seal, extra.filename),
    voice: extra.voice ?? false,
    animated: extra.animated ?? false,
  };
}

/** Meta's error as the contracts carry it: Meta's own text only (`error_data.details`). */
export function toMetaError(error: WhatsAppError): MetaError {
  return { code: error.code, title: error.title ?? '', details: error.details ?? '', href: error.href ?? '' };
}
