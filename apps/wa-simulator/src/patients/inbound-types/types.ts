// One module per kind of message a simulated patient sends: the request fields it adds to
// `POST /_sim/patients/:waId/messages` and the message object it puts in the webhook (Meta's
// shape, fact sheet section 2). Replies to buttons and lists find their title and payload in the
// business message they answer, so the webhook says exactly what the patient's phone would.
import type { z } from 'zod';
import type { MediaLibrary } from '../../media/library';
import type { Business, OutboundMessage, Store } from '../../store';

export interface InboundContext {
  business: Business;
  waId: string;
  store: Store;
  media: MediaLibrary;
  /** the business message named in `context.message_id` (already checked to be in this chat) */
  quoted: OutboundMessage | undefined;
}

export interface InboundKind<R> {
  type: string;
  fields: z.ZodRawShape;
  /** `{type, <type>: {...}}` of the webhook message; throws ControlError on a request that cannot be */
  build(request: R, context: InboundContext): Record<string, unknown>;
  /** kinds that answer a business message need its `context` */
  needsContext?: boolean;
}
