import { describe, expect, it } from 'vitest';
import { templateStatusChanges } from './template-status';

const bytes = (json: unknown) => new TextEncoder().encode(JSON.stringify(json));

describe('templateStatusChanges', () => {
  it('reads every template verdict of the body in order, with the reason (or a pause title), and skips malformed ones', () => {
    const body = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '1001',
          time: 1750025200,
          changes: [
            { field: 'messages', value: { messaging_product: 'whatsapp' } },
            { field: 'message_template_status_update', value: { event: 'REJECTED', message_template_id: 12, message_template_name: 'a', message_template_language: 'en_US', reason: 'INVALID_FORMAT' } },
            { field: 'message_template_status_update', value: { event: 'paused', message_template_id: '13', message_template_name: 'b', message_template_language: 'es', reason: 'NONE', other_info: { title: 'SECOND_PAUSE' } } },
            { field: 'message_template_status_update', value: { event: 'APPROVED', message_template_id: 14 } },
          ],
        },
        { id: '1002', changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED', message_template_id: 15, message_template_name: 'c', message_template_language: 'fr', reason: null } }] },
      ],
    };
    const { changes, skipped } = templateStatusChanges(bytes(body));
    expect(skipped).toBe(1);
    expect(changes).toEqual([
      { wabaId: '1001', time: new Date(1750025200_000), templateId: '12', templateName: 'a', languageCode: 'en_US', status: 'REJECTED', reason: 'INVALID_FORMAT' },
      { wabaId: '1001', time: new Date(1750025200_000), templateId: '13', templateName: 'b', languageCode: 'es', status: 'PAUSED', reason: 'SECOND_PAUSE' },
      { wabaId: '1002', time: undefined, templateId: '15', templateName: 'c', languageCode: 'fr', status: 'APPROVED', reason: '' },
    ]);
  });

  it('returns nothing for a body that is not JSON or not a webhook', () => {
    expect(templateStatusChanges(new TextEncoder().encode('{"object":'))).toEqual({ changes: [], skipped: 0 });
    expect(templateStatusChanges(bytes({ hello: 'world' }))).toEqual({ changes: [], skipped: 0 });
  });
});
