// Interactive reply buttons and lists, with Meta's limits enforced at exactly their numbers
// (fact sheet section 4):
//   buttons: 1–3; title 1–20 characters, unique; id 1–256, unique; body ≤ 1024; header text and
//            footer ≤ 60; the header may be text, image, video or document.
//   lists:   button label ≤ 20; sections 1–10, a section title (≤ 24) required when there are
//            several; rows ≤ 10 in total, at least one per section; row id ≤ 200, unique; title
//            ≤ 24; description ≤ 72; body ≤ 4096 (Meta's list page); the header only text.
// Missing or empty required values are 131008; values past a limit are 131009; interactive types
// Meta has but the simulator does not carry (cta_url, flow, product …) are 131051.
import { z } from 'zod';
import { GraphError } from '../errors';
import { boundedText, characterCount, meta, parseParams } from '../params';
import type { MediaRef } from '../../media/rules';
import { mediaObjectSchema } from './media-object';
import type { OutboundType } from './types';

export const INTERACTIVE_LIMITS = {
  buttons: 3,
  buttonTitle: 20,
  buttonId: 256,
  buttonBody: 1024,
  listBody: 4096,
  headerText: 60,
  footer: 60,
  listButton: 20,
  sections: 10,
  sectionTitle: 24,
  rows: 10,
  rowId: 200,
  rowTitle: 24,
  rowDescription: 72,
} as const;
const L = INTERACTIVE_LIMITS;

const NOT_SIMULATED = new Set([
  'cta_url',
  'flow',
  'location_request_message',
  'product',
  'product_list',
  'catalog_message',
  'address_message',
  'voice_call',
  'call_permission_request',
]);

const unique = (values: readonly string[]) => new Set(values).size === values.length;

const TextHeader = z.object({ type: z.literal('text'), text: boundedText(L.headerText) });
const ButtonHeader = z.discriminatedUnion('type', [
  TextHeader,
  z.object({ type: z.literal('image'), image: mediaObjectSchema('image') }),
  z.object({ type: z.literal('video'), video: mediaObjectSchema('video') }),
  z.object({ type: z.literal('document'), document: mediaObjectSchema('document') }),
]);
const Footer = z.object({ text: boundedText(L.footer) });

const ButtonsRequest = z.object({
  interactive: z.object({
    type: z.literal('button'),
    header: ButtonHeader.optional(),
    body: z.object({ text: boundedText(L.buttonBody) }),
    footer: Footer.optional(),
    action: z.object({
      buttons: z
        .array(
          z.object({
            type: z.literal('reply'),
            reply: z.object({ id: boundedText(L.buttonId), title: boundedText(L.buttonTitle) }),
          }),
        )
        .refine(
          (bs) => bs.length >= 1 && bs.length <= L.buttons,
          meta(131009, `Param {path} must have between 1 and ${L.buttons} buttons.`),
        )
        .refine(
          (bs) => unique(bs.map((b) => b.reply.title)),
          meta(131009, 'Param {path} is invalid: button titles must be unique.'),
        )
        .refine(
          (bs) => unique(bs.map((b) => b.reply.id)),
          meta(131009, 'Param {path} is invalid: button ids must be unique.'),
        ),
    }),
  }),
});

const Row = z.object({
  id: boundedText(L.rowId),
  title: boundedText(L.rowTitle),
  description: z
    .string()
    .refine(
      (s) => characterCount(s) <= L.rowDescription,
      meta(131009, `Param {path} must be at most ${L.rowDescription} characters long.`),
    )
    .optional(),
});

const ListRequest = z.object({
  interactive: z.object({
    type: z.literal('list'),
    header: z
      // loose: the rest of the header goes on to TextHeader
      .looseObject({ type: z.string() })
      .refine(
        (h) => h.type === 'text',
        meta(131009, 'Param {path} is invalid: a list header can only be text.'),
      )
      .pipe(TextHeader)
      .optional(),
    body: z.object({ text: boundedText(L.listBody) }),
    footer: Footer.optional(),
    action: z.object({
      button: boundedText(L.listButton),
      sections: z
        .array(z.object({ title: boundedText(L.sectionTitle).optional(), rows: z.array(Row) }))
        .refine(
          (ss) => ss.length >= 1 && ss.length <= L.sections,
          meta(131009, `Param {path} must have between 1 and ${L.sections} sections.`),
        )
        .refine(
          (ss) => ss.length <= 1 || ss.every((s) => s.title !== undefined),
          meta(131008, "The parameter {path}[]['title'] is required when there is more than one section."),
        )
        .refine(
          (ss) => ss.every((s) => s.rows.length >= 1),
          meta(131009, 'Param {path} is invalid: every section needs at least one row.'),
        )
        .refine(
          (ss) => ss.reduce((n, s) => n + s.rows.length, 0) <= L.rows,
          meta(131009, `Param {path} is invalid: at most ${L.rows} rows in total.`),
        )
        .refine(
          (ss) => unique(ss.flatMap((s) => s.rows.map((r) => r.id))),
          meta(131009, 'Param {path} is invalid: row ids must be unique.'),
        ),
    }),
  }),
});

const InteractiveKind = z.object({ interactive: z.object({ type: z.string().min(1) }) });

function headerMedia(header: z.infer<typeof ButtonHeader> | undefined): MediaRef[] {
  if (!header) return [];
  switch (header.type) {
    case 'text':
      return [];
    case 'image':
      return [header.image];
    case 'video':
      return [header.video];
    case 'document':
      return [header.document];
  }
}

export const interactiveMessage: OutboundType = {
  type: 'interactive',
  needsOpenWindow: true,
  parse(body) {
    const kind = parseParams(InteractiveKind, body).interactive.type;
    const content = (body as Record<string, unknown>).interactive;
    switch (kind) {
      case 'button': {
        const { interactive } = parseParams(ButtonsRequest, body);
        return { content, media: headerMedia(interactive.header) };
      }
      case 'list':
        parseParams(ListRequest, body);
        return { content };
      default:
        if (NOT_SIMULATED.has(kind))
          throw new GraphError(131051, {
            details: `Interactive type ${kind} is not simulated yet by wa-simulator.`,
          });
        throw new GraphError(131009, { details: "Param interactive['type'] is invalid." });
    }
  },
};
