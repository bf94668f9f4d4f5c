import { toMetaJson } from '@careline/whatsapp/testing';
import { describe, expect, it } from 'vitest';
import { type Channel, createStaticChannelRegistry, parseChannels } from '../channels/registry';
import { TENANT_A, TENANT_B, channelFixtures } from '../test/fixtures';
import { routeWebhook, toMetaStyleJson } from './route';

const parsed = parseChannels(JSON.stringify(channelFixtures()));
if (!parsed.ok) throw new Error(parsed.problem);
const channels: Channel[] = parsed.channels;
const registry = createStaticChannelRegistry(channels);
const appOne = channels[0]!.appSecret;
const appTwo = channels[2]!.appSecret;

function change(phoneNumberId: string, body: string) {
  return {
    field: 'messages',
    value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
      contacts: [{ profile: { name: 'Zoë' }, wa_id: '16505551234' }],
      messages: [{ from: '16505551234', id: `wamid.${phoneNumberId}`, timestamp: '1749416383', type: 'text', text: { body } }],
    },
  };
}

function encode(payload: unknown): { json: unknown; raw: Uint8Array } {
  const raw = new TextEncoder().encode(toMetaJson(payload));
  return { json: JSON.parse(new TextDecoder().decode(raw)) as unknown, raw };
}

describe('routeWebhook', () => {
  it('gives one tenant the raw bytes untouched when it owns every change', () => {
    const { json, raw } = encode({
      object: 'whatsapp_business_account',
      entry: [{ id: '102290129340398', changes: [change('106540352242922', 'Olá, médico')] }],
    });
    const routing = routeWebhook(json, raw, registry, appOne);
    expect(routing).toEqual({
      kind: 'routed',
      tenants: [{ tenantId: TENANT_A, body: raw, phoneNumberIds: ['106540352242922'], wabaIds: ['102290129340398'] }],
      unknownPhoneNumberIds: [],
      unknownWabaIds: [],
    });
    expect(routing.kind === 'routed' && routing.tenants[0]!.body).toBe(raw);
  });

  it('splits a POST of two tenants so that each gets only its own changes, escaped like Meta', () => {
    const { json, raw } = encode({
      object: 'whatsapp_business_account',
      entry: [
        { id: '102290129340398', time: 1, changes: [change('106540352242922', 'für A')] },
        { id: '102290129340399', changes: [change('106540352242923', 'für B'), change('999', 'stranger')] },
      ],
    });
    const routing = routeWebhook(json, raw, registry, appOne);
    if (routing.kind !== 'routed') throw new Error('expected routed');
    expect(routing.unknownPhoneNumberIds).toEqual(['999']);
    const [a, b] = routing.tenants;
    expect(a!.tenantId).toBe(TENANT_A);
    expect(b!.tenantId).toBe(TENANT_B);
    const textA = new TextDecoder().decode(a!.body);
    expect(textA).toBe(
      toMetaJson({ object: 'whatsapp_business_account', entry: [{ id: '102290129340398', time: 1, changes: [change('106540352242922', 'für A')] }] }),
    );
    expect(textA).toContain('f\\u00fcr A');
    expect(textA).not.toContain('B');
    const textB = new TextDecoder().decode(b!.body);
    expect(textB).not.toContain('stranger');
    expect(textB).not.toContain('106540352242922');
    expect(b!.phoneNumberIds).toEqual(['106540352242923']);
  });

  it('routes account-level changes (no phone number) by WABA id', () => {
    const { json, raw } = encode({
      object: 'whatsapp_business_account',
      entry: [{ id: '102290129340399', changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED' } }] }],
    });
    const routing = routeWebhook(json, raw, registry, appOne);
    expect(routing).toMatchObject({ kind: 'routed', tenants: [{ tenantId: TENANT_B, phoneNumberIds: [], wabaIds: ['102290129340399'] }] });
  });

  it('routes nowhere for numbers and accounts it does not know', () => {
    const { json, raw } = encode({ object: 'whatsapp_business_account', entry: [{ id: '5', changes: [change('42', 'hi')] }] });
    expect(routeWebhook(json, raw, registry, appOne)).toEqual({
      kind: 'routed',
      tenants: [],
      unknownPhoneNumberIds: ['42'],
      unknownWabaIds: [],
    });
    expect(routeWebhook({ nothing: true }, raw, registry, appOne)).toMatchObject({ kind: 'routed', tenants: [] });
  });

  it("refuses a POST signed by one app that names another app's number", () => {
    const { json, raw } = encode({
      object: 'whatsapp_business_account',
      entry: [{ id: '102290129340398', changes: [change('106540352242922', 'a'), change('106540352242924', 'b')] }],
    });
    expect(routeWebhook(json, raw, registry, appTwo)).toEqual({ kind: 'app_mismatch', phoneNumberIds: ['106540352242922'], wabaIds: [] });
    // and the other way round: app one does not vouch for app two's number either
    expect(routeWebhook(json, raw, registry, appOne)).toMatchObject({ kind: 'app_mismatch', phoneNumberIds: ['106540352242924'] });
  });

  it('escapes like Meta when it re-serialises', () => {
    expect(toMetaStyleJson({ t: 'á😀/' })).toBe('{"t":"\\u00e1\\ud83d\\ude00/"}');
  });
});
