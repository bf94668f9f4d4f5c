/**
 * Send API request bodies (`POST /{version}/{phone-number-id}/messages`). The schemas carry Meta's
 * limits as named rules, so a body that Meta would refuse is refused here, before it is sent, with
 * an `OutboundValidationError` whose `rules` say which limit was broken.
 *
 * Objects are strict: we own what we send, and a misspelt key is a bug, not an extension. Lengths are
 * counted in Unicode code points (what a person calls characters); Meta does not document its unit.
 */
import { z } from 'zod';

export const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** A string of 1..max characters; the rule names are `<rule>.required` and `<rule>.max_<max>`. */
function text(rule: string, max: number) {
  return z
    .string({ error: `${rule}.required` })
    .refine((s) => s.length > 0, { error: `${rule}.required` })
    .refine((s) => codePoints(s) <= max, { error: `${rule}.max_${max}` });
}

/** Like `text` but empty is allowed (and still bounded). */
function optionalText(rule: string, max: number) {
  return z.string().refine((s) => codePoints(s) <= max, { error: `${rule}.max_${max}` });
}

// `to` is the user's number with an optional `+`; anything else would be a wrong column, not a number.
const to = z.string().regex(/^\+?[0-9]{5,20}$/, { error: 'to.format' });
const wamid = text('message_id', 512);

const envelope = {
  messaging_product: z.literal('whatsapp'),
  recipient_type: z.literal('individual').optional(),
  to,
  context: z.strictObject({ message_id: wamid }).optional(),
  /** Echoed back in status webhooks; Meta's limit is 512 characters. */
  biz_opaque_callback_data: optionalText('biz_opaque_callback_data', 512).optional(),
};

const httpLink = z
  .string()
  .refine((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), { error: 'media.link.http_url' });

/** A media object sent by uploaded id or by public link, never both. */
function media<Extra extends z.ZodRawShape>(kind: string, extra: Extra) {
  return z
    .strictObject({ id: text(`${kind}.id`, 256).optional(), link: httpLink.optional(), ...extra })
    .refine(
      (m) => {
        // The generic extra shape hides `id`/`link` from the inferred type; they are always there.
        const { id, link } = m as { id?: string; link?: string };
        return (id === undefined) !== (link === undefined);
      },
      { error: `${kind}.id_xor_link` },
    );
}

const caption = (kind: string) => optionalText(`${kind}.caption`, 1024).optional();
const filename = (kind: string) => text(`${kind}.filename`, 240).optional();

export const imageMediaSchema = media('image', { caption: caption('image') });
export const videoMediaSchema = media('video', { caption: caption('video') });
export const documentMediaSchema = media('document', {
  caption: caption('document'),
  filename: filename('document'),
});
// Audio and stickers take no caption: the strict object refuses one.
export const audioMediaSchema = media('audio', {});
export const stickerMediaSchema = media('sticker', {});

// --- text, media, reaction, location --------------------------------------------------------------

const textRequest = z.strictObject({
  ...envelope,
  type: z.literal('text'),
  text: z.strictObject({ body: text('text.body', 4096), preview_url: z.boolean().optional() }),
});

const imageRequest = z.strictObject({ ...envelope, type: z.literal('image'), image: imageMediaSchema });
const videoRequest = z.strictObject({ ...envelope, type: z.literal('video'), video: videoMediaSchema });
const audioRequest = z.strictObject({ ...envelope, type: z.literal('audio'), audio: audioMediaSchema });
const documentRequest = z.strictObject({
  ...envelope,
  type: z.literal('document'),
  document: documentMediaSchema,
});
const stickerRequest = z.strictObject({
  ...envelope,
  type: z.literal('sticker'),
  sticker: stickerMediaSchema,
});

const reactionRequest = z.strictObject({
  ...envelope,
  type: z.literal('reaction'),
  // An empty emoji removes our reaction.
  reaction: z.strictObject({ message_id: wamid, emoji: optionalText('reaction.emoji', 16) }),
});

const locationRequest = z.strictObject({
  ...envelope,
  type: z.literal('location'),
  location: z.strictObject({
    latitude: z
      .number()
      .min(-90, { error: 'location.latitude.range' })
      .max(90, { error: 'location.latitude.range' }),
    longitude: z
      .number()
      .min(-180, { error: 'location.longitude.range' })
      .max(180, { error: 'location.longitude.range' }),
    name: optionalText('location.name', 1024).optional(),
    address: optionalText('location.address', 1024).optional(),
  }),
});

// --- templates ------------------------------------------------------------------------------------

const textParameter = z.strictObject({
  type: z.literal('text'),
  text: text('template.parameter.text', 32768),
  /** For templates with named parameters. */
  parameter_name: z
    .string()
    .regex(/^[a-z0-9_]{1,64}$/, { error: 'template.parameter.name_format' })
    .optional(),
});

const currencyParameter = z.strictObject({
  type: z.literal('currency'),
  currency: z.strictObject({
    fallback_value: text('template.parameter.currency.fallback_value', 1024),
    code: z.string().regex(/^[A-Z]{3}$/, { error: 'template.parameter.currency.code_iso4217' }),
    amount_1000: z.number().int({ error: 'template.parameter.currency.amount_1000_integer' }),
  }),
  parameter_name: textParameter.shape.parameter_name,
});

const dateTimeParameter = z.strictObject({
  type: z.literal('date_time'),
  date_time: z.strictObject({ fallback_value: text('template.parameter.date_time.fallback_value', 1024) }),
  parameter_name: textParameter.shape.parameter_name,
});

const headerParameter = z.discriminatedUnion('type', [
  textParameter,
  z.strictObject({ type: z.literal('image'), image: imageMediaSchema }),
  z.strictObject({ type: z.literal('video'), video: videoMediaSchema }),
  z.strictObject({ type: z.literal('document'), document: documentMediaSchema }),
]);

const bodyParameter = z.discriminatedUnion('type', [textParameter, currencyParameter, dateTimeParameter]);

const buttonParameter = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('payload'), payload: text('template.button.payload', 1000) }),
  z.strictObject({ type: z.literal('text'), text: text('template.button.text', 2000) }),
  z.strictObject({ type: z.literal('coupon_code'), coupon_code: text('template.button.coupon_code', 15) }),
]);

const templateComponent = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('header'), parameters: z.array(headerParameter) }),
  z.strictObject({ type: z.literal('body'), parameters: z.array(bodyParameter) }),
  z
    .strictObject({
      type: z.literal('button'),
      sub_type: z.enum(['quick_reply', 'url', 'copy_code']),
      // Meta's examples send the index as a string; buttons are numbered 0..9.
      index: z.string().regex(/^[0-9]$/, { error: 'template.button.index_0_9' }),
      parameters: z.array(buttonParameter),
    })
    .refine(
      (b) =>
        b.parameters.every((p) =>
          b.sub_type === 'quick_reply'
            ? p.type === 'payload'
            : b.sub_type === 'url'
              ? p.type === 'text'
              : p.type === 'coupon_code',
        ),
      { error: 'template.button.parameter_matches_sub_type' },
    ),
]);

const templateRequest = z.strictObject({
  ...envelope,
  type: z.literal('template'),
  template: z.strictObject({
    name: z.string().regex(/^[a-z0-9_]{1,512}$/, { error: 'template.name_format' }),
    language: z.strictObject({
      // e.g. en, en_US, pt_BR, zh_CN
      code: z.string().regex(/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/, { error: 'template.language.code_format' }),
      policy: z.literal('deterministic').optional(),
    }),
    components: z
      .array(templateComponent)
      .refine((cs) => cs.filter((c) => c.type === 'header').length <= 1, {
        error: 'template.components.one_header',
      })
      .refine((cs) => cs.filter((c) => c.type === 'body').length <= 1, {
        error: 'template.components.one_body',
      })
      .refine(
        (cs) => {
          const indexes = cs.flatMap((c) => (c.type === 'button' ? [c.index] : []));
          return new Set(indexes).size === indexes.length;
        },
        { error: 'template.components.button_index_unique' },
      )
      .optional(),
  }),
});

// --- interactive ----------------------------------------------------------------------------------

const interactiveHeader = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text'), text: text('interactive.header.text', 60) }),
  z.strictObject({ type: z.literal('image'), image: imageMediaSchema }),
  z.strictObject({ type: z.literal('video'), video: videoMediaSchema }),
  z.strictObject({ type: z.literal('document'), document: documentMediaSchema }),
]);
const interactiveBody = z.strictObject({ text: text('interactive.body.text', 1024) });
const interactiveFooter = z.strictObject({ text: text('interactive.footer.text', 60) });

const unique = (values: readonly string[]) => new Set(values).size === values.length;

const buttonsInteractive = z.strictObject({
  type: z.literal('button'),
  header: interactiveHeader.optional(),
  body: interactiveBody,
  footer: interactiveFooter.optional(),
  action: z.strictObject({
    buttons: z
      .array(
        z.strictObject({
          type: z.literal('reply'),
          reply: z.strictObject({
            id: text('interactive.button.id', 256),
            title: text('interactive.button.title', 20),
          }),
        }),
      )
      .min(1, { error: 'interactive.buttons.count_1_3' })
      .max(3, { error: 'interactive.buttons.count_1_3' })
      .refine((bs) => unique(bs.map((b) => b.reply.title)), { error: 'interactive.button.title_unique' })
      // Replies are routed by id, so two buttons with one id could not be told apart.
      .refine((bs) => unique(bs.map((b) => b.reply.id)), { error: 'interactive.button.id_unique' }),
  }),
});

const listInteractive = z.strictObject({
  type: z.literal('list'),
  // A list header can only be text.
  header: z.strictObject({ type: z.literal('text'), text: text('interactive.header.text', 60) }).optional(),
  body: interactiveBody,
  footer: interactiveFooter.optional(),
  action: z.strictObject({
    button: text('interactive.list.button', 20),
    sections: z
      .array(
        z.strictObject({
          title: text('interactive.list.section.title', 24).optional(),
          rows: z
            .array(
              z.strictObject({
                id: text('interactive.list.row.id', 200),
                title: text('interactive.list.row.title', 24),
                description: optionalText('interactive.list.row.description', 72).optional(),
              }),
            )
            .min(1, { error: 'interactive.list.section.rows_required' }),
        }),
      )
      .min(1, { error: 'interactive.list.sections.count_1_10' })
      .max(10, { error: 'interactive.list.sections.count_1_10' })
      .refine((ss) => ss.length <= 1 || ss.every((s) => s.title !== undefined), {
        error: 'interactive.list.section.title_required_when_several',
      })
      .refine((ss) => ss.reduce((n, s) => n + s.rows.length, 0) <= 10, {
        error: 'interactive.list.rows.max_10_total',
      })
      .refine((ss) => unique(ss.flatMap((s) => s.rows.map((r) => r.id))), {
        error: 'interactive.list.row.id_unique',
      }),
  }),
});

const interactiveRequest = z.strictObject({
  ...envelope,
  type: z.literal('interactive'),
  interactive: z.discriminatedUnion('type', [buttonsInteractive, listInteractive]),
});

// --- the union and mark-as-read -------------------------------------------------------------------

export const sendMessageRequestSchema = z.discriminatedUnion('type', [
  textRequest,
  templateRequest,
  imageRequest,
  videoRequest,
  audioRequest,
  documentRequest,
  stickerRequest,
  interactiveRequest,
  reactionRequest,
  locationRequest,
]);
export type SendMessageRequest = z.infer<typeof sendMessageRequestSchema>;
export type SendMessageType = SendMessageRequest['type'];
export type TemplateComponent = z.infer<typeof templateComponent>;
export type InteractiveHeader = z.infer<typeof interactiveHeader>;
export type MediaObject = z.infer<typeof imageMediaSchema>;

export const markReadRequestSchema = z.strictObject({
  messaging_product: z.literal('whatsapp'),
  status: z.literal('read'),
  message_id: wamid,
  /** Shows "typing…" to the user until we reply or 25 s pass. */
  typing_indicator: z.strictObject({ type: z.literal('text') }).optional(),
});
export type MarkReadRequest = z.infer<typeof markReadRequestSchema>;
