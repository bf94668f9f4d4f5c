// Per-message pricing (since July 2025) as status webhooks report it: free-form messages inside
// the customer service window are free service messages; templates are charged by category
// (`regular`), except utility templates inside an open window, which are free
// (`free_customer_service`). Free entry points (Click-to-WhatsApp ads) are not simulated.
import type { Clock } from '../clock';
import type { IdGenerator } from '../ids';
import { pairKey, type Conversation, type Pricing, type PricingCategory, type Store } from '../store';

export function serviceMessagePricing(): Pricing {
  // `billable` is deprecated but still sent; free customer service is not billed
  return { billable: false, pricing_model: 'PMP', category: 'service', type: 'free_customer_service' };
}

/** The open service conversation of a pair, started by the first reply inside the window. */
export function serviceConversation(
  deps: { store: Store; ids: IdGenerator; clock: Clock },
  phoneNumberId: string,
  waId: string,
  lengthMs: number,
): Conversation {
  const key = pairKey(phoneNumberId, waId);
  const now = deps.clock.now();
  const open = deps.store.conversations.get(key);
  if (open && open.expires_at > now) return open;
  const conversation: Conversation = {
    id: deps.ids.conversationId(),
    expires_at: now + lengthMs,
    origin: 'service',
  };
  deps.store.conversations.set(key, conversation);
  return conversation;
}

/** A template's pricing: charged by its category, utility free inside an open window. */
export function templatePricing(category: Exclude<PricingCategory, 'service'>, windowOpen: boolean): Pricing {
  if (category === 'utility' && windowOpen)
    return { billable: false, pricing_model: 'PMP', category, type: 'free_customer_service' };
  return { billable: true, pricing_model: 'PMP', category, type: 'regular' };
}
