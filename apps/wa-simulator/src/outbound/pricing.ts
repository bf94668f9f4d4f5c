// Per-message pricing (since July 2025) as status webhooks report it. Only service messages exist
// so far: free-form messages inside the customer service window, free of charge. Templates will
// add their category (marketing, utility, authentication) and `regular` / `free_entry_point` here.
import type { Clock } from '../clock';
import type { IdGenerator } from '../ids';
import { pairKey, type Conversation, type Pricing, type Store } from '../store';

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
