// One module per outbound message type. A type validates its own object (`text`, `template` …)
// and says whether Meta only allows it inside the customer service window. The send use-case
// (`graph/api.ts`) does the rest: limits, window, faults, acceptance, statuses.
import type { MediaRef } from '../../media/rules';
import type { Business, PricingCategory } from '../../store';
import type { RenderedTemplate } from '../../templates/hydrate';
import type { Template } from '../../templates/schema';

/** What a type may look up while it validates a send. */
export interface SendContext {
  business: Business;
  /** the recipient's wa_id, as resolved from `to` */
  waId: string;
  /** the template this business's WABA has under that name and language (its own, or a shared one) */
  findTemplate(name: string, language: string): Template | undefined;
  /** whether this wamid is a message of the chat between this business number and this user */
  isChatMessage(wamid: string): boolean;
}

export interface ParsedOutbound {
  /** the type object as the business sent it, for the patient's inbox */
  content: unknown;
  /** templates: how the patient sees it, with its buttons' payloads */
  template?: RenderedTemplate;
  /** media to fetch (links) or look up (ids) before delivery; a failure is 131053 */
  media?: MediaRef[];
  /** what it is priced as; `service` when absent */
  category?: PricingCategory;
}

export interface OutboundType {
  readonly type: string;
  /** free-form messages need an open customer service window; templates do not */
  readonly needsOpenWindow: boolean;
  /** validates the request body's part for this type; throws GraphError */
  parse(body: unknown, context: SendContext): ParsedOutbound;
}
