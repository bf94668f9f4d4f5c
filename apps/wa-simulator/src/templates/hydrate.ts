// A template message checked against the registered template and filled in, the way Meta does it
// before accepting the send. Codes, in the order checked:
//   132001  no template of that name in that language, or it is not approved (PENDING, REJECTED)
//   132015  the template is PAUSED          132016  the template is DISABLED
//   131009  a component or button index the template does not have, or a button's sub_type that
//           does not match the template's button
//   132000  the number of parameters of a component differs from the template's placeholders
//           (details: "body: number of localizable_params (1) does not match the expected number
//           of params (2)", Meta's wording)
//   132012  a parameter of the wrong format (an IMAGE header given a document, a text header given
//           an image, a payload given to a URL button)
//   132007  a text parameter with a new line, a tab or more than four consecutive spaces (Meta's
//           format-character policy; Meta has also reported this as 132018 and 100)
//   132005  the hydrated body longer than 1024 characters, or the hydrated header than 60
// Details name components, indexes and counts, never parameter values (patient data).
import { z } from 'zod';
import { GraphError } from '../graph/errors';
import { mediaObjectSchema } from '../graph/message-types/media-object';
import { characterCount } from '../graph/params';
import type { MediaRef } from '../media/rules';
import {
  TEMPLATE_LIMITS,
  fillPlaceholders,
  placeholders,
  type Template,
  type TemplateButton,
  type TemplateCategory,
  type TemplateComponent,
} from './schema';

// --- the send request's `template` object ------------------------------------------------------

const parameterName = z.string().min(1).max(64).optional();

const TextParameter = z.object({
  type: z.literal('text'),
  text: z.string().min(1),
  parameter_name: parameterName,
});
const CurrencyParameter = z.object({
  type: z.literal('currency'),
  currency: z.object({ fallback_value: z.string().min(1), code: z.string().min(1), amount_1000: z.number() }),
  parameter_name: parameterName,
});
const DateTimeParameter = z.object({
  type: z.literal('date_time'),
  date_time: z.object({ fallback_value: z.string().min(1) }),
  parameter_name: parameterName,
});
const LocationParameter = z.object({
  type: z.literal('location'),
  location: z.object({
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    name: z.string().optional(),
    address: z.string().optional(),
  }),
});
const PayloadParameter = z.object({ type: z.literal('payload'), payload: z.string().min(1) });
const CouponParameter = z.object({ type: z.literal('coupon_code'), coupon_code: z.string().min(1) });
const ImageParameter = z.object({ type: z.literal('image'), image: mediaObjectSchema('image') });
const VideoParameter = z.object({ type: z.literal('video'), video: mediaObjectSchema('video') });
const DocumentParameter = z.object({ type: z.literal('document'), document: mediaObjectSchema('document') });

const Parameter = z.discriminatedUnion('type', [
  TextParameter,
  CurrencyParameter,
  DateTimeParameter,
  LocationParameter,
  PayloadParameter,
  CouponParameter,
  ImageParameter,
  VideoParameter,
  DocumentParameter,
]);
type Parameter = z.infer<typeof Parameter>;

const lowerCase = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);

const SendComponent = z.object({
  type: z.preprocess(lowerCase, z.enum(['header', 'body', 'button'])),
  sub_type: z
    .preprocess(lowerCase, z.enum(['quick_reply', 'url', 'copy_code', 'catalog', 'flow']))
    .optional(),
  /** Meta's examples send it as a string; a number is taken too */
  index: z.union([z.string().regex(/^\d{1,2}$/), z.number().int().min(0).max(99)]).optional(),
  parameters: z.array(Parameter).default([]),
});
type SendComponent = z.infer<typeof SendComponent>;

export const TemplateSendSchema = z.object({
  name: z.string().min(1).max(512),
  language: z.object({
    code: z.string().min(1),
    policy: z.literal('deterministic').optional(),
  }),
  components: z.array(SendComponent).optional(),
});
export type TemplateSend = z.infer<typeof TemplateSendSchema>;

// --- the result --------------------------------------------------------------------------------

export type RenderedHeader =
  | { format: 'TEXT'; text: string }
  | { format: 'IMAGE' | 'VIDEO' | 'DOCUMENT'; media: MediaRef }
  | {
      format: 'LOCATION';
      location: { latitude: number; longitude: number; name?: string; address?: string };
    };

export type RenderedButton =
  | { index: number; type: 'QUICK_REPLY'; text: string; payload: string }
  | { index: number; type: 'URL'; text: string; url: string }
  | { index: number; type: 'PHONE_NUMBER'; text: string; phone_number: string }
  | { index: number; type: 'OTP'; text: string; code: string | null };

/** A template message as the patient's phone shows it. */
export interface RenderedTemplate {
  id: string;
  name: string;
  language: string;
  category: TemplateCategory;
  header: RenderedHeader | null;
  body: string;
  footer: string | null;
  buttons: RenderedButton[];
}

/** Meta's message for a sent template whose parameters do not fit (a 132000). */
function countMismatch(where: string, given: number, expected: number): GraphError {
  return new GraphError(132000, {
    details: `${where}: number of localizable_params (${given}) does not match the expected number of params (${expected})`,
  });
}

/** Meta's format-character policy for text parameters. */
const FORMAT_POLICY = /[\n\t]| {5,}/;

function parameterText(p: Parameter): string | undefined {
  switch (p.type) {
    case 'text':
      return p.text;
    case 'currency':
      return p.currency.fallback_value;
    case 'date_time':
      return p.date_time.fallback_value;
    default:
      return undefined;
  }
}

/** The values of a text component's placeholders, checked for count, format and policy. */
function placeholderValues(
  where: string,
  templateText: string,
  parameters: readonly Parameter[],
  allowed: ReadonlySet<Parameter['type']>,
): Map<string, string> {
  const keys = placeholders(templateText);
  if (parameters.length !== keys.length) throw countMismatch(where, parameters.length, keys.length);
  const named = keys.some((k) => !/^\d+$/.test(k));
  const values = new Map<string, string>();
  parameters.forEach((p, i) => {
    if (!allowed.has(p.type))
      throw new GraphError(132012, {
        details: `${where}: parameter ${i + 1} has format ${p.type.toUpperCase()}, which the template does not take there`,
      });
    const text = parameterText(p) ?? '';
    if (FORMAT_POLICY.test(text))
      throw new GraphError(132007, {
        details: `${where}: parameter ${i + 1} cannot have new-line/tab characters or more than 4 consecutive spaces`,
      });
    const name = 'parameter_name' in p ? p.parameter_name : undefined;
    if (named) {
      if (name === undefined || !keys.includes(name))
        throw new GraphError(132000, {
          details: `${where}: parameter ${i + 1} needs a parameter_name the template has`,
        });
      values.set(name, text);
    } else {
      values.set(keys[i]!, text);
    }
  });
  return values;
}

const TEXT_LIKE: ReadonlySet<Parameter['type']> = new Set(['text', 'currency', 'date_time']);

function findComponent<T extends TemplateComponent['type']>(
  template: Template,
  type: T,
): Extract<TemplateComponent, { type: T }> | undefined {
  return template.components.find((c): c is Extract<TemplateComponent, { type: T }> => c.type === type);
}

function renderHeader(template: Template, sent: SendComponent | undefined): RenderedHeader | null {
  const header = findComponent(template, 'HEADER');
  const parameters = sent?.parameters ?? [];
  if (!header) {
    if (parameters.length > 0) throw countMismatch('header', parameters.length, 0);
    return null;
  }
  switch (header.format) {
    case 'TEXT': {
      const text = header.text ?? '';
      const values = placeholderValues('header', text, parameters, new Set(['text']));
      const hydrated = fillPlaceholders(text, values);
      if (characterCount(hydrated) > TEMPLATE_LIMITS.headerText)
        throw new GraphError(132005, {
          details: `header: the text with its parameters is longer than ${TEMPLATE_LIMITS.headerText} characters`,
        });
      return { format: 'TEXT', text: hydrated };
    }
    case 'IMAGE':
    case 'VIDEO':
    case 'DOCUMENT':
    case 'LOCATION': {
      if (parameters.length !== 1) throw countMismatch('header', parameters.length, 1);
      const p = parameters[0]!;
      if (p.type !== header.format.toLowerCase())
        throw new GraphError(132012, {
          details: `header: format mismatch, expected ${header.format}, received ${p.type.toUpperCase()}`,
        });
      switch (p.type) {
        case 'location':
          return { format: 'LOCATION', location: p.location };
        case 'image':
          return { format: 'IMAGE', media: p.image };
        case 'video':
          return { format: 'VIDEO', media: p.video };
        case 'document':
          return { format: 'DOCUMENT', media: p.document };
        default:
          return null;
      }
    }
  }
}

function subTypeMatches(subType: SendComponent['sub_type'], button: TemplateButton): boolean {
  switch (button.type) {
    case 'QUICK_REPLY':
      return subType === 'quick_reply';
    // Meta sends an authentication template's copy-code (or one-tap) button as sub_type url
    case 'URL':
    case 'OTP':
      return subType === 'url';
    case 'PHONE_NUMBER':
      return false;
  }
}

function renderButtons(
  template: Template,
  sent: readonly SendComponent[],
  componentIndex: (c: SendComponent) => number,
) {
  const buttons = findComponent(template, 'BUTTONS')?.buttons ?? [];
  const byIndex = new Map<number, SendComponent>();
  for (const c of sent) {
    const where = `template['components'][${componentIndex(c)}]`;
    if (c.index === undefined)
      throw new GraphError(131008, { details: `The parameter ${where}['index'] is required.` });
    if (c.sub_type === undefined)
      throw new GraphError(131008, { details: `The parameter ${where}['sub_type'] is required.` });
    const index = Number(c.index);
    const button = buttons[index];
    if (!button)
      throw new GraphError(131009, {
        details: `Param ${where}['index'] is invalid: the template has no button ${index}.`,
      });
    if (!subTypeMatches(c.sub_type, button))
      throw new GraphError(131009, {
        details: `Param ${where}['sub_type'] is invalid: button ${index} of the template is ${button.type}.`,
      });
    if (byIndex.has(index))
      throw new GraphError(131009, {
        details: `Param ${where}['index'] is invalid: button ${index} is given twice.`,
      });
    byIndex.set(index, c);
  }

  return buttons.map((button, index): RenderedButton => {
    const where = `button at index ${index}`;
    const parameters = byIndex.get(index)?.parameters ?? [];
    switch (button.type) {
      case 'QUICK_REPLY': {
        if (parameters.length > 1) throw countMismatch(where, parameters.length, 1);
        const p = parameters[0];
        if (p && p.type !== 'payload')
          throw new GraphError(132012, { details: `${where}: a quick reply takes a payload parameter` });
        // without a payload, Meta reports the button's text as the payload of the click
        return { index, type: 'QUICK_REPLY', text: button.text, payload: p?.payload ?? button.text };
      }
      case 'URL': {
        const dynamic = placeholders(button.url).length;
        if (parameters.length !== dynamic) throw countMismatch(where, parameters.length, dynamic);
        const p = parameters[0];
        if (p && p.type !== 'text')
          throw new GraphError(132012, { details: `${where}: a URL button takes a text parameter` });
        const url = p ? fillPlaceholders(button.url, new Map([['1', encodeURI(p.text)]])) : button.url;
        return { index, type: 'URL', text: button.text, url };
      }
      case 'OTP': {
        if (parameters.length !== 1) throw countMismatch(where, parameters.length, 1);
        const p = parameters[0]!;
        if (p.type !== 'text')
          throw new GraphError(132012, {
            details: `${where}: a one-time password button takes a text parameter`,
          });
        if (characterCount(p.text) > 15)
          throw new GraphError(131009, { details: `${where}: the code may have at most 15 characters` });
        return { index, type: 'OTP', text: button.text, code: p.text };
      }
      case 'PHONE_NUMBER':
        return { index, type: 'PHONE_NUMBER', text: button.text, phone_number: button.phone_number };
    }
  });
}

/** Checks a template send against the registered template (or its absence) and renders it. */
export function hydrateTemplate(send: TemplateSend, template: Template | undefined): RenderedTemplate {
  const language = send.language.code;
  if (!template || template.status === 'PENDING' || template.status === 'REJECTED') {
    throw new GraphError(132001, {
      details: template
        ? `template name (${send.name}) in ${language} is not approved (${template.status})`
        : `template name (${send.name}) does not exist in ${language}`,
    });
  }
  if (template.status === 'PAUSED')
    throw new GraphError(132015, { details: `template (${send.name}) is paused` });
  if (template.status === 'DISABLED')
    throw new GraphError(132016, { details: `template (${send.name}) is disabled` });

  const components = send.components ?? [];
  const indexOf = (c: SendComponent) => components.indexOf(c);
  const single = (type: 'header' | 'body') => {
    const found = components.filter((c) => c.type === type);
    if (found.length > 1)
      throw new GraphError(131009, {
        details: `Param template['components'][${indexOf(found[1]!)}] is invalid: only one ${type} component is allowed.`,
      });
    return found[0];
  };
  const sentHeader = single('header');
  const sentBody = single('body');

  const header = renderHeader(template, sentHeader);
  const bodyText = findComponent(template, 'BODY')?.text ?? '';
  const body = fillPlaceholders(
    bodyText,
    placeholderValues('body', bodyText, sentBody?.parameters ?? [], TEXT_LIKE),
  );
  if (characterCount(body) > TEMPLATE_LIMITS.body)
    throw new GraphError(132005, {
      details: `body: the text with its parameters is longer than ${TEMPLATE_LIMITS.body} characters`,
    });
  const buttons = renderButtons(
    template,
    components.filter((c) => c.type === 'button'),
    indexOf,
  );
  return {
    id: template.id,
    name: template.name,
    language: template.language,
    category: template.category,
    header,
    body,
    footer: findComponent(template, 'FOOTER')?.text ?? null,
    buttons,
  };
}

/** The media a rendered template carries (its header), to be fetched before delivery. */
export function templateMedia(rendered: RenderedTemplate): MediaRef[] {
  return rendered.header && 'media' in rendered.header ? [rendered.header.media] : [];
}
