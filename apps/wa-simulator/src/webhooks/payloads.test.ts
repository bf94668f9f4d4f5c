import { describe, expect, it } from 'vitest';
import type { Business } from '../store';
import { inboundMessageWebhook, mergeEnvelopes, statusWebhook, userPreferencesWebhook } from './payloads';

const business: Business = {
  phone_number_id: '1',
  display_phone_number: '15550001111',
  waba_id: '9',
  access_token: 't',
  app_secret: 's',
  webhook_verification: null,
};
const ana = { profile: { name: 'Ana' }, wa_id: '111' };
const bo = { profile: { name: 'Bo' }, wa_id: '222' };
const status = (id: string) =>
  statusWebhook(business, { id, status: 'sent', timestamp: '1', recipient_id: '111' });

describe('mergeEnvelopes', () => {
  it('folds adjacent messages into one change with the contacts deduplicated', () => {
    const merged = mergeEnvelopes([
      inboundMessageWebhook(business, ana, { id: 'a' }),
      inboundMessageWebhook(business, ana, { id: 'b' }),
      inboundMessageWebhook(business, bo, { id: 'c' }),
    ]);
    expect(merged.entry).toHaveLength(1);
    expect(merged.entry[0]!.id).toBe('9');
    expect(merged.entry[0]!.changes).toHaveLength(1);
    const value = merged.entry[0]!.changes[0]!.value as unknown as {
      contacts: unknown[];
      messages: { id: string }[];
    };
    expect(value.contacts).toEqual([ana, bo]);
    expect(value.messages.map((m) => m.id)).toEqual(['a', 'b', 'c']);
  });

  it('keeps the order of different kinds as separate changes', () => {
    const merged = mergeEnvelopes([
      status('s1'),
      status('s2'),
      inboundMessageWebhook(business, ana, { id: 'a' }),
      userPreferencesWebhook(business, ana, {
        wa_id: '111',
        detail: 'x',
        category: 'marketing_messages',
        value: 'stop',
        timestamp: 1,
      }),
      status('s3'),
    ]);
    const changes = merged.entry[0]!.changes;
    expect(changes.map((c) => c.field)).toEqual(['messages', 'messages', 'user_preferences', 'messages']);
    expect((changes[0]!.value as { statuses: unknown[] }).statuses).toHaveLength(2);
  });

  it('does not change the envelopes it merges', () => {
    const a = status('s1');
    const before = JSON.stringify(a);
    mergeEnvelopes([a, status('s2')]);
    expect(JSON.stringify(a)).toBe(before);
  });
});
