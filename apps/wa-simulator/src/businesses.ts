// Business phone numbers registered with the simulated Meta: as configured at start, and added,
// replaced or removed through the control API. Saving a webhook URL with a verify token runs
// Meta's verification handshake against it, as the App Dashboard does.
import type { BusinessConfig } from './config';
import type { Business, Store, WebhookVerification } from './store';
import { ControlError, notFound } from './control/errors';

export interface BusinessActions {
  list(): Business[];
  get(phoneNumberId: string): Business;
  /** adds or replaces the number; verifies its webhook first when asked and possible */
  upsert(input: BusinessConfig, options: { verify: boolean }): Promise<Business>;
  remove(phoneNumberId: string): void;
  verifyWebhook(phoneNumberId: string): Promise<WebhookVerification>;
}

export interface BusinessDeps {
  store: Store;
  handshake(webhookUrl: string, verifyToken: string): Promise<WebhookVerification>;
}

export function createBusinessActions(deps: BusinessDeps): BusinessActions {
  const { store } = deps;

  function get(phoneNumberId: string): Business {
    const business = store.businesses.get(phoneNumberId);
    if (!business) throw notFound('business');
    return business;
  }

  return {
    list: () => [...store.businesses.values()],
    get,
    async upsert(input, options) {
      const business: Business = { ...input, webhook_verification: null };
      if (options.verify && business.webhook_url && business.verify_token) {
        business.webhook_verification = await deps.handshake(business.webhook_url, business.verify_token);
      }
      store.businesses.set(business.phone_number_id, business);
      return business;
    },
    remove(phoneNumberId) {
      get(phoneNumberId);
      store.businesses.delete(phoneNumberId);
    },
    async verifyWebhook(phoneNumberId) {
      const business = get(phoneNumberId);
      if (!business.webhook_url || !business.verify_token) {
        throw new ControlError(
          409,
          'webhook_not_configured',
          'the business has no webhook_url and verify_token to verify',
        );
      }
      const result = await deps.handshake(business.webhook_url, business.verify_token);
      // the number may have been replaced while the receiver answered
      if (store.businesses.get(phoneNumberId) === business) business.webhook_verification = result;
      return result;
    },
  };
}
