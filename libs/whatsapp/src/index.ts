// The one public door of @careline/whatsapp: the WhatsApp Cloud API as the gateway and ingest see it.

export { WebhookValidationError, OutboundValidationError } from './errors.js';
export { SIGNATURE_HEADER, matchSignature, signBody, verifySignature } from './signature.js';
export { explainMetaError, isExplainedMetaError } from './meta-errors.js';

export {
  type InboundMessage,
  type InboundMessageType,
  type InteractiveReply,
  type MessageContext,
  type MessageStatus,
  type MessageStatusUpdate,
  type Referral,
  type UserPreferenceUpdate,
  type WebhookChange,
  type WebhookContact,
  type WebhookPayload,
  type WhatsAppError,
  MESSAGE_STATUSES,
  changeSchema,
  inboundMessageSchema,
  statusSchema,
  userPreferenceSchema,
  webhookPayloadSchema,
  whatsAppErrorSchema,
} from './webhook/schemas.js';
export {
  type ErrorEvent,
  type EventOrigin,
  type MessageEvent,
  type OtherEvent,
  type ParsedWebhook,
  type StatusEvent,
  type UserPreferenceEvent,
  type WebhookEvent,
  decodeWebhookJson,
  parseWebhook,
  parseWebhookBytes,
  peekPhoneNumberIds,
} from './webhook/parse.js';

export {
  type InteractiveHeader,
  type MarkReadRequest,
  type MediaObject,
  type SendMessageRequest,
  type SendMessageType,
  type TemplateComponent,
  markReadRequestSchema,
  sendMessageRequestSchema,
} from './outbound/schemas.js';
export {
  type ListSection,
  type MediaSource,
  type Recipient,
  type ReplyButton,
  buildButtonsMessage,
  buildListMessage,
  buildLocationMessage,
  buildMarkRead,
  buildMediaMessage,
  buildReactionMessage,
  buildTemplateMessage,
  buildTextMessage,
  validateMarkRead,
  validateOutboundMessage,
} from './outbound/builders.js';

export {
  type GraphErrorClass,
  type GraphErrorKind,
  GraphApiError,
  classifyGraphError,
} from './graph/errors.js';
export {
  type DownloadedMedia,
  type GraphClient,
  type GraphClientOptions,
  type ListedTemplate,
  type MediaInfo,
  type MessageTemplatePage,
  type SendMessageResult,
  createGraphClient,
} from './graph/client.js';
