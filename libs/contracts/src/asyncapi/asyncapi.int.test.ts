// docs/asyncapi.yaml against the contracts (runs buf, so an integration test): it is exactly what
// the generator makes from them now, it is a valid AsyncAPI 3.0.0 document, and what it says about
// each topic holds for the code: names, ce_types, DLQs and partitions from the registry, the payload
// message is the one the topic's codec writes (decoded by reflection from the compiled .proto, byte
// for byte, no unknown fields), and every key the code computes matches the documented pattern.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createFileRegistry, fromBinary, toBinary } from '@bufbuild/protobuf';
import { type FileDescriptorSet } from '@bufbuild/protobuf/wkt';
import { Ajv, type AnySchema } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_PAYLOADS } from '../testing';
import { EVENTS, EVENT_KEYS, TOPICS, TOPIC_PROVISIONING, dlqTopic } from '../topics';
import { ENVELOPE_HEADERS, PROTOBUF_SCHEMA_FORMAT, TOPIC_DOCS } from './document';
import { ASYNCAPI_FILE, compileContracts, generateAsyncApiYaml } from './generate';

type TopicKey = keyof typeof TOPICS;
const KEYS = Object.keys(TOPICS) as TopicKey[];

// ajv-formats is CommonJS; its default export arrives wrapped under ESM interop.
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

interface Doc {
  asyncapi: string;
  channels: Record<string, { address: string; messages: Record<string, { $ref: string }>; bindings: { kafka: { partitions: number } } }>;
  components: {
    messages: Record<
      string,
      {
        headers: { allOf: { properties?: { ce_type?: { const: string } } }[] };
        payload: { schemaFormat: string; schema: string };
        bindings: { kafka: { key: { pattern: string } } };
        'x-careline-proto-message': string;
      }
    >;
    schemas: { CloudEventsHeaders: { required: string[] } };
  };
}

/** The AsyncAPI 3.0.0 schema from @asyncapi/specs (offline), compiled with ajv. */
function asyncApiValidator() {
  const specs = createRequire(import.meta.url)('@asyncapi/specs') as {
    schemas: Record<string, { definitions: Record<string, unknown> } | undefined>;
  };
  const bundled = specs.schemas['3.0.0'];
  if (bundled === undefined) throw new Error('@asyncapi/specs has no 3.0.0 schema');
  // The bundle carries its own copy of the draft-07 meta-schema, which ajv already knows: two
  // schemas under one id. Drop the copy; the meta-schema itself is the same.
  const { 'http://json-schema.org/draft-07/schema': _metaSchema, ...definitions } = bundled.definitions;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile({ ...bundled, definitions } as AnySchema);
}

let committed: string;
let document: Doc;
let descriptors: FileDescriptorSet;

beforeAll(async () => {
  committed = readFileSync(ASYNCAPI_FILE, 'utf8');
  document = parse(committed) as Doc;
  descriptors = await compileContracts();
});

describe('docs/asyncapi.yaml', () => {
  it('is what the generator makes from the contracts now (regenerate: npm run asyncapi -w @careline/contracts)', async () => {
    expect(await generateAsyncApiYaml()).toBe(committed);
  });

  it('validates against the AsyncAPI 3.0.0 JSON schema', () => {
    const validate = asyncApiValidator();
    const valid = validate(document);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(document.asyncapi).toBe('3.0.0');
  });

  it('the validator refuses a broken document (so the check above can fail)', () => {
    const validate = asyncApiValidator();
    const broken = structuredClone(document) as unknown as { operations: Record<string, { action: string }> };
    const first = Object.values(broken.operations)[0];
    if (first === undefined) throw new Error('no operations');
    first.action = 'publish'; // AsyncAPI 2 wording, not allowed in 3
    expect(validate(broken)).toBe(false);
  });

  it('has a channel for every provisioned topic and its dead letters, and nothing else', () => {
    const addresses = Object.values(document.channels).map((channel) => channel.address);
    expect(addresses.sort()).toEqual(TOPIC_PROVISIONING.map((spec) => spec.topic).sort());
    for (const spec of TOPIC_PROVISIONING) {
      const channel = Object.values(document.channels).find((c) => c.address === spec.topic);
      expect(channel?.bindings.kafka.partitions, spec.topic).toBe(spec.partitions);
    }
  });

  it.each(KEYS)('describes %s as the code implements it', (key) => {
    const channel = document.channels[key];
    expect(channel?.address).toBe(TOPICS[key]);
    expect(document.channels[`${key}DeadLetters`]?.address).toBe(dlqTopic(TOPICS[key]));
    const ref = Object.values(channel?.messages ?? {})[0]?.$ref ?? '';
    const message = document.components.messages[ref.replace('#/components/messages/', '')];
    if (message === undefined) throw new Error(`${key}: no message`);

    // the envelope: every CloudEvents header, and this topic's ce_type
    expect(document.components.schemas.CloudEventsHeaders.required.sort()).toEqual(Object.keys(ENVELOPE_HEADERS).sort());
    expect(message.headers.allOf.map((part) => part.properties?.ce_type?.const).filter(Boolean)).toEqual([EVENTS[key].type]);

    // the payload: the named message decodes what the topic's codec writes, byte for byte
    expect(message.payload.schemaFormat).toBe(PROTOBUF_SCHEMA_FORMAT);
    const named = message['x-careline-proto-message'];
    expect(named).toBe(TOPIC_DOCS[key].message);
    const desc = createFileRegistry(descriptors).getMessage(named);
    if (desc === undefined) throw new Error(`${named} is not in the compiled contracts`);
    expect(message.payload.schema).toContain(`message ${desc.name} {`);
    const sample = SAMPLE_PAYLOADS[key]() as never;
    const bytes = EVENTS[key].encode(sample);
    const reflected = fromBinary(desc, bytes);
    expect((reflected as { $unknown?: unknown[] }).$unknown ?? []).toEqual([]);
    expect(toBinary(desc, reflected)).toEqual(bytes);

    // the key: what EVENT_KEYS computes matches the documented pattern
    const computed = (EVENT_KEYS[key] as (event: never) => string)(sample);
    expect(computed).toMatch(new RegExp(message.bindings.kafka.key.pattern));
  });

  it('would notice a topic documented with the wrong payload message', () => {
    const desc = createFileRegistry(descriptors).getMessage(TOPIC_DOCS.outboundResult.message);
    if (desc === undefined) throw new Error('no OutboundResultV1');
    // an audit event read as an outbound result: fields it does not know, or bytes it writes otherwise
    const bytes = EVENTS.auditEvents.encode(SAMPLE_PAYLOADS.auditEvents());
    let mismatch: boolean;
    try {
      const reflected = fromBinary(desc, bytes);
      const unknown = (reflected as { $unknown?: unknown[] }).$unknown ?? [];
      mismatch = unknown.length > 0 || Buffer.compare(Buffer.from(toBinary(desc, reflected)), Buffer.from(bytes)) !== 0;
    } catch {
      mismatch = true;
    }
    expect(mismatch).toBe(true);
  });
});
