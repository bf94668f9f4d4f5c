/**
 * Property-based tests of the parser: it throws nothing but WebhookValidationError, whatever it is
 * given; valid payloads parse; and no payload value ever reaches an error message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebhookValidationError } from '../errors.js';
import { toMetaJson } from '../testing/index.js';
import { parseWebhook, parseWebhookBytes, peekPhoneNumberIds } from './parse.js';

/** Planted in every generated string; it must never appear in an error. Lowercase on purpose, so it
 * would also pass the error formatter's path-segment filter if an input key ever reached a path. */
const MARKER = 'phimarker';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const marked = fc.string({ maxLength: 12 }).map((s) => `${s}${MARKER}${s}`);
const digits = fc.bigInt({ min: 1n, max: 999_999_999_999_999n }).map(String);
const timestamp = fc.integer({ min: 0, max: 4_000_000_000 }).map(String);
const wamid = fc.base64String({ minLength: 4, maxLength: 40 }).map((s) => `wamid.${s}`);
const media = fc.record({ id: digits, mime_type: marked, sha256: marked });
// JSON has no negative zero, so a round trip through text would turn -0 into 0.
const double = (constraints: fc.DoubleConstraints) =>
  fc.double({ noNaN: true, noDefaultInfinity: true, ...constraints }).map((d) => d + 0);

const messageBody: fc.Arbitrary<Record<string, Json>> = fc.oneof(
  fc.record({ type: fc.constant('text'), text: fc.record({ body: marked }) }),
  fc.record({
    type: fc.constant('image'),
    image: fc.record(
      { id: digits, mime_type: marked, sha256: marked, caption: marked },
      { requiredKeys: ['id', 'mime_type', 'sha256'] },
    ),
  }),
  fc.record({ type: fc.constant('video'), video: media }),
  fc.record({
    type: fc.constant('audio'),
    audio: fc.record({ id: digits, mime_type: marked, sha256: marked, voice: fc.boolean() }),
  }),
  fc.record({
    type: fc.constant('document'),
    document: fc.record({ id: digits, mime_type: marked, sha256: marked, filename: marked }),
  }),
  fc.record({
    type: fc.constant('sticker'),
    sticker: fc.record({ id: digits, mime_type: marked, sha256: marked, animated: fc.boolean() }),
  }),
  fc.record({
    type: fc.constant('location'),
    location: fc.record({
      latitude: double({ min: -90, max: 90 }),
      longitude: double({ min: -180, max: 180 }),
      name: marked,
      address: marked,
    }),
  }),
  fc.record({
    type: fc.constant('contacts'),
    contacts: fc.array(
      fc.record({
        name: fc.record({ formatted_name: marked }),
        phones: fc.array(fc.record({ phone: marked, wa_id: digits })),
      }),
      {
        minLength: 1,
        maxLength: 2,
      },
    ),
  }),
  fc.record({
    type: fc.constant('interactive'),
    interactive: fc.oneof(
      fc.record({
        type: fc.constant('button_reply'),
        button_reply: fc.record({ id: marked, title: marked }),
      }),
      fc.record({
        type: fc.constant('list_reply'),
        list_reply: fc.record({ id: marked, title: marked, description: marked }),
      }),
    ),
  }),
  fc.record({ type: fc.constant('button'), button: fc.record({ payload: marked, text: marked }) }),
  fc.record({ type: fc.constant('reaction'), reaction: fc.record({ message_id: wamid, emoji: marked }) }),
  fc.record({
    type: fc.constant('order'),
    order: fc.record({
      catalog_id: marked,
      text: marked,
      product_items: fc.array(
        fc.record({
          product_retailer_id: marked,
          quantity: fc.nat(),
          item_price: double({}),
          currency: marked,
        }),
        { maxLength: 3 },
      ),
    }),
  }),
  fc.record({
    type: fc.constant('system'),
    system: fc.record({ body: marked, wa_id: digits, type: fc.constant('user_changed_number') }),
  }),
  fc.record({
    type: fc.constant('unsupported'),
    errors: fc.constant<Json[]>([
      {
        code: 131051,
        title: 'Message type unknown',
        message: 'Message type unknown',
        error_data: { details: 'x' },
      },
    ]),
  }),
);

const inboundMessage: fc.Arbitrary<Json> = fc
  .tuple(
    fc.record({ from: digits, id: wamid, timestamp }),
    messageBody,
    fc.option(fc.record({ from: digits, id: wamid }), { nil: undefined }),
  )
  .map(([common, body, context]) => ({ ...common, ...body, ...(context ? { context } : {}) }));

const status: fc.Arbitrary<Json> = fc.record(
  {
    id: wamid,
    status: fc.constantFrom('sent', 'delivered', 'read', 'failed'),
    timestamp,
    recipient_id: digits,
    biz_opaque_callback_data: marked,
    pricing: fc.record({ pricing_model: fc.constant('PMP'), category: marked, type: marked }),
    errors: fc.array(
      fc.record({
        code: fc.integer({ min: 0, max: 200000 }),
        title: marked,
        error_data: fc.record({ details: marked }),
      }),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: ['id', 'status', 'timestamp', 'recipient_id'] },
);

const messagesChange: fc.Arbitrary<Json> = fc
  .record({
    phone: digits,
    display: digits,
    contacts: fc.array(fc.record({ profile: fc.record({ name: marked }), wa_id: digits }), { maxLength: 2 }),
    messages: fc.array(inboundMessage, { maxLength: 3 }),
    statuses: fc.array(status, { maxLength: 3 }),
  })
  .map(({ phone, display, contacts, messages, statuses }) => ({
    field: 'messages',
    value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: display, phone_number_id: phone },
      contacts,
      messages,
      statuses,
    },
  }));

const preferencesChange: fc.Arbitrary<Json> = fc
  .record({
    phone: digits,
    waId: digits,
    value: fc.constantFrom('stop', 'resume'),
    detail: marked,
    ts: fc.nat(),
  })
  .map(({ phone, waId, value, detail, ts }) => ({
    field: 'user_preferences',
    value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '1555', phone_number_id: phone },
      user_preferences: [{ wa_id: waId, detail, category: 'marketing_messages', value, timestamp: ts }],
    },
  }));

const otherChange: fc.Arbitrary<Json> = fc.record({
  field: marked,
  value: fc.jsonValue() as fc.Arbitrary<Json>,
});

const validPayload: fc.Arbitrary<Json> = fc
  .array(
    fc.record({
      id: digits,
      changes: fc.array(fc.oneof(messagesChange, preferencesChange, otherChange), { maxLength: 3 }),
    }),
    {
      minLength: 1,
      maxLength: 3,
    },
  )
  .map((entry) => ({ object: 'whatsapp_business_account', entry }));

/** Every path into a JSON tree, so that a mutation can target any node. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const here = [prefix];
  if (Array.isArray(value)) return here.concat(...value.map((v, i) => paths(v, [...prefix, i])));
  if (value !== null && typeof value === 'object') {
    return here.concat(...Object.entries(value).map(([k, v]) => paths(v, [...prefix, k])));
  }
  return here;
}

const replacement: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(MARKER),
  fc.constant(`12${MARKER}`),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant<Json>([MARKER]),
  fc.constant<Json>({ [MARKER]: MARKER }),
  fc.constant<Json>({}),
  fc.constant<Json>([]),
);

type Mutation = { kind: 'remove' } | { kind: 'replace'; value: Json } | { kind: 'add'; value: Json };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant<Mutation>({ kind: 'remove' }),
  replacement.map<Mutation>((value) => ({ kind: 'replace', value })),
  replacement.map<Mutation>((value) => ({ kind: 'add', value })),
);

function mutate(root: Json, path: (string | number)[], m: Mutation): Json {
  const copy = structuredClone(root);
  if (path.length === 0) return m.kind === 'replace' ? m.value : copy;
  let parent: Json = copy;
  for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[key]!;
  const last = path[path.length - 1]!;
  const container = parent as Record<string | number, Json>;
  if (m.kind === 'remove') {
    if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
    else delete container[last];
  } else if (m.kind === 'replace') {
    container[last] = m.value;
  } else {
    const target = container[last];
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) target[MARKER] = m.value;
    else container[last] = m.value;
  }
  return copy;
}

/** Runs the parser; returns 'ok', or fails the property if anything but our error escapes. */
function parseOutcome(input: unknown): 'ok' | 'rejected' {
  try {
    parseWebhook(input);
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookValidationError);
    const e = error as WebhookValidationError;
    expect(e.message).not.toContain(MARKER);
    expect(e.reasons.join('\n')).not.toContain(MARKER);
    expect(JSON.stringify(e)).not.toContain(MARKER);
    return 'rejected';
  }
}

describe('parseWebhook properties', () => {
  it('throws only WebhookValidationError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (json) => void parseOutcome(json)),
      { numRuns: 500 },
    );
  });

  it('throws only WebhookValidationError on arbitrary JSON inside a plausible envelope', () => {
    const envelope = fc.record({
      object: fc.constantFrom('whatsapp_business_account', 'page'),
      entry: fc.array(
        fc.record({
          id: fc.oneof(digits, fc.jsonValue()),
          changes: fc.array(
            fc.record({ field: fc.constantFrom('messages', 'user_preferences', 'x'), value: fc.jsonValue() }),
          ),
        }),
      ),
    });
    fc.assert(
      fc.property(envelope, (json) => void parseOutcome(json)),
      { numRuns: 300 },
    );
  });

  it('throws only WebhookValidationError on anything at all (not just JSON)', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
        }),
        (v) => void parseOutcome(v),
      ),
      {
        numRuns: 300,
      },
    );
  });

  it('parses every valid generated payload into one event per message, status, preference and unknown change', () => {
    fc.assert(
      fc.property(validPayload, (payload) => {
        const { events } = parseWebhook(payload);
        let expected = 0;
        for (const entry of (
          payload as { entry: { changes: { field: string; value: Record<string, Json[]> }[] }[] }
        ).entry) {
          for (const change of entry.changes) {
            if (change.field === 'messages')
              expected += change.value['messages']!.length + change.value['statuses']!.length;
            else if (change.field === 'user_preferences')
              expected += change.value['user_preferences']!.length;
            else expected += 1;
          }
        }
        expect(events).toHaveLength(expected);
        for (const event of events) {
          if (event.kind === 'message' && event.message.type === 'text')
            expect(event.message.text.body).toContain(MARKER);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("parses Meta's escaped serialisation of a valid payload exactly like the object", () => {
    fc.assert(
      fc.property(validPayload, (payload) => {
        const bytes = new TextEncoder().encode(toMetaJson(payload));
        expect(parseWebhookBytes(bytes)).toEqual(parseWebhook(payload));
      }),
      { numRuns: 100 },
    );
  });

  it('mutated valid payloads (field removed, type swapped, key added) never leak a value and never throw anything else', () => {
    const mutated = validPayload.chain((payload) => {
      const all = paths(payload);
      return fc.tuple(fc.constant(payload), fc.constantFrom(...all), mutation);
    });
    let rejected = 0;
    fc.assert(
      fc.property(mutated, ([payload, path, m]) => {
        if (parseOutcome(mutate(payload, path, m)) === 'rejected') rejected++;
      }),
      { numRuns: 1000 },
    );
    // The mutations must actually exercise the error path, or the property says nothing.
    expect(rejected).toBeGreaterThan(100);
  });

  it('peekPhoneNumberIds never throws and finds every phone_number_id of a valid payload', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true }), (v) => void peekPhoneNumberIds(v)),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(validPayload, (payload) => {
        const expected = new Set<string>();
        for (const entry of (
          payload as {
            entry: { changes: { field: string; value: { metadata?: { phone_number_id: string } } }[] }[];
          }
        ).entry) {
          for (const change of entry.changes) {
            const id =
              change.field === 'messages' || change.field === 'user_preferences'
                ? change.value.metadata?.phone_number_id
                : undefined;
            if (id !== undefined) expected.add(id);
          }
        }
        const found = new Set(peekPhoneNumberIds(payload));
        for (const id of expected) expect(found.has(id)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
