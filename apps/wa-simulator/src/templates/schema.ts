// A message template as the business registered it with Meta (the Business Management API's
// shape: upper-case component types, `{{n}}` placeholders, buttons), kept per WABA. Templates are
// what a business may send outside the customer service window; the send API checks every
// template message against this registry (see `hydrate.ts`). Lower-case enum values are accepted
// and normalised, because people write `quick_reply` as often as `QUICK_REPLY`.
import { z } from 'zod';

export const TEMPLATE_CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const;
export const TEMPLATE_STATUSES = ['APPROVED', 'PENDING', 'REJECTED', 'PAUSED', 'DISABLED'] as const;
export const HEADER_FORMATS = ['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION'] as const;

export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];
export type TemplateStatus = (typeof TEMPLATE_STATUSES)[number];
export type HeaderFormat = (typeof HEADER_FORMATS)[number];

/** Meta's limits for a template's own text (what the business registers, before parameters). */
export const TEMPLATE_LIMITS = {
  headerText: 60,
  body: 1024,
  footer: 60,
  buttonText: 25,
  buttons: 10,
} as const;

/** `{{1}}` or, for templates with named parameters, `{{first_name}}` */
const PLACEHOLDER = /\{\{\s*([a-z0-9_]+)\s*\}\}/g;

/** The placeholder keys of a text, in order of appearance, each once. */
export function placeholders(text: string): string[] {
  const keys: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const key = match[1]!;
    if (!keys.includes(key)) keys.push(key);
  }
  return keys;
}

/** Replaces every placeholder by its value (a key without a value stays as written). */
export function fillPlaceholders(text: string, values: ReadonlyMap<string, string>): string {
  return text.replace(PLACEHOLDER, (whole, key: string) => values.get(key) ?? whole);
}

const upperCase = (v: unknown) => (typeof v === 'string' ? v.toUpperCase() : v);

const QuickReplyButton = z.strictObject({
  type: z.literal('QUICK_REPLY'),
  text: z.string().min(1).max(TEMPLATE_LIMITS.buttonText),
});
const UrlButton = z.strictObject({
  type: z.literal('URL'),
  text: z.string().min(1).max(TEMPLATE_LIMITS.buttonText),
  /** may end in `{{1}}`: the dynamic suffix given at send time */
  url: z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL'),
  example: z.array(z.string()).optional(),
});
const PhoneNumberButton = z.strictObject({
  type: z.literal('PHONE_NUMBER'),
  text: z.string().min(1).max(TEMPLATE_LIMITS.buttonText),
  phone_number: z.string().regex(/^\+?\d{5,20}$/, 'must be a phone number'),
});
/** Authentication templates' one-time-password button; the code is sent as its parameter. */
const OtpButton = z.strictObject({
  type: z.literal('OTP'),
  otp_type: z.preprocess(upperCase, z.enum(['COPY_CODE', 'ONE_TAP', 'ZERO_TAP'])).default('COPY_CODE'),
  text: z.string().min(1).max(TEMPLATE_LIMITS.buttonText).default('Copy code'),
});

const TemplateButton = z.preprocess(
  (v) => (typeof v === 'object' && v !== null && 'type' in v ? { ...v, type: upperCase(v.type) } : v),
  z.discriminatedUnion('type', [QuickReplyButton, UrlButton, PhoneNumberButton, OtpButton]),
);
export type TemplateButton = z.output<typeof TemplateButton>;

const HeaderComponent = z
  .strictObject({
    type: z.literal('HEADER'),
    format: z.preprocess(upperCase, z.enum(HEADER_FORMATS)),
    text: z.string().min(1).max(TEMPLATE_LIMITS.headerText).optional(),
    example: z.unknown().optional(),
  })
  .refine((h) => (h.format === 'TEXT') === (h.text !== undefined), {
    message: 'a TEXT header needs `text`; media and location headers have none',
  });
const BodyComponent = z.strictObject({
  type: z.literal('BODY'),
  text: z.string().min(1).max(TEMPLATE_LIMITS.body),
  example: z.unknown().optional(),
});
const FooterComponent = z.strictObject({
  type: z.literal('FOOTER'),
  text: z.string().min(1).max(TEMPLATE_LIMITS.footer),
});
const ButtonsComponent = z.strictObject({
  type: z.literal('BUTTONS'),
  buttons: z.array(TemplateButton).min(1).max(TEMPLATE_LIMITS.buttons),
});

const TemplateComponent = z.preprocess(
  (v) => (typeof v === 'object' && v !== null && 'type' in v ? { ...v, type: upperCase(v.type) } : v),
  z.discriminatedUnion('type', [HeaderComponent, BodyComponent, FooterComponent, ButtonsComponent]),
);
export type TemplateComponent = z.output<typeof TemplateComponent>;

const digits = z.string().regex(/^\d{1,32}$/, 'must be digits only');

/** What the control API and `WA_SIM_TEMPLATES` take. */
export const TemplateInputSchema = z
  .strictObject({
    /** the WABA that owns it; absent or null: every WABA (a shared default) */
    waba_id: digits.nullable().optional(),
    /** Meta's template id; generated when absent */
    id: digits.optional(),
    name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'lower-case letters, digits and _ only'),
    /** e.g. en_US, es, pt_BR */
    language: z.string().regex(/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/, 'a language code such as en_US'),
    category: z.preprocess(upperCase, z.enum(TEMPLATE_CATEGORIES)),
    status: z.preprocess(upperCase, z.enum(TEMPLATE_STATUSES)).default('APPROVED'),
    components: z.array(TemplateComponent).min(1),
  })
  .superRefine((t, ctx) => {
    const count = (type: TemplateComponent['type']) => t.components.filter((c) => c.type === type).length;
    if (count('BODY') !== 1)
      ctx.addIssue({ code: 'custom', path: ['components'], message: 'exactly one BODY' });
    for (const type of ['HEADER', 'FOOTER', 'BUTTONS'] as const) {
      if (count(type) > 1)
        ctx.addIssue({ code: 'custom', path: ['components'], message: `at most one ${type}` });
    }
    for (const [i, c] of t.components.entries()) {
      const text = c.type === 'BUTTONS' ? '' : (c.text ?? '');
      const keys = placeholders(text);
      const positional = keys.every((k) => /^\d+$/.test(k));
      // Meta refuses {{1}} {{3}} without {{2}}: positional parameters are numbered from 1
      if (positional && keys.some((k, n) => Number(k) !== n + 1))
        ctx.addIssue({
          code: 'custom',
          path: ['components', i, 'text'],
          message: 'placeholders must be {{1}}, {{2}} … in order',
        });
      if (c.type === 'FOOTER' && keys.length > 0)
        ctx.addIssue({ code: 'custom', path: ['components', i], message: 'a footer takes no parameters' });
      if (c.type === 'BUTTONS') {
        for (const [j, b] of c.buttons.entries()) {
          const urlKeys = b.type === 'URL' ? placeholders(b.url) : [];
          if (
            urlKeys.length > 1 ||
            (urlKeys.length === 1 && !/\{\{1\}\}$/.test(b.type === 'URL' ? b.url : ''))
          )
            ctx.addIssue({
              code: 'custom',
              path: ['components', i, 'buttons', j, 'url'],
              message: 'a URL button takes at most one {{1}}, at the end',
            });
          if (b.type === 'OTP' && t.category !== 'AUTHENTICATION')
            ctx.addIssue({
              code: 'custom',
              path: ['components', i, 'buttons', j],
              message: 'OTP buttons belong to AUTHENTICATION templates',
            });
        }
      }
    }
    if (
      t.category === 'AUTHENTICATION' &&
      !t.components.some((c) => c.type === 'BUTTONS' && c.buttons.some((b) => b.type === 'OTP'))
    )
      ctx.addIssue({
        code: 'custom',
        path: ['components'],
        message: 'an AUTHENTICATION template needs an OTP button',
      });
  });
export type TemplateInput = z.input<typeof TemplateInputSchema>;
export type TemplateConfig = z.output<typeof TemplateInputSchema>;

/** A registered template. */
export interface Template {
  id: string;
  /** null: a shared default every WABA sees unless it has its own of that name and language */
  waba_id: string | null;
  name: string;
  language: string;
  category: TemplateCategory;
  status: TemplateStatus;
  components: TemplateComponent[];
}

export const TemplatePatchSchema = z.strictObject({
  status: z.preprocess(upperCase, z.enum(TEMPLATE_STATUSES)).optional(),
  category: z.preprocess(upperCase, z.enum(TEMPLATE_CATEGORIES)).optional(),
  /** a reason Meta gives with REJECTED/PAUSED/DISABLED, echoed in the status webhook */
  reason: z.string().min(1).max(200).optional(),
});
export type TemplatePatch = z.infer<typeof TemplatePatchSchema>;
