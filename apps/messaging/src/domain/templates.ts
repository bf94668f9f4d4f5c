// Templates as messaging understands them: Meta's `components` JSON (as the gateway passes it on)
// parsed into the placeholders and buttons a send must fill, the checks Meta applies to parameter
// values (so a bad value is refused here, naming the parameter, instead of failing later at Meta
// with 132000/132018), the language chosen with its fallback, and the preview text the inbox shows.
// Pure functions: no I/O.
import { z } from 'zod';
import { characterCount } from './content';

export type HeaderFormat = '' | 'text' | 'image' | 'video' | 'document' | 'location';
export type ButtonType = 'quick_reply' | 'url' | 'copy_code' | 'otp' | 'phone_number' | 'other';
export type TemplateCategoryName = 'marketing' | 'utility' | 'authentication' | 'unknown';
export type TemplateStatusName = 'pending' | 'approved' | 'rejected' | 'paused' | 'disabled' | 'deleted' | 'unknown';

export interface ParameterSpec {
  /** What the caller names it: "1", "first_name" (body) or "header.1", "header.hospital" (header). */
  name: string;
  component: 'header' | 'body';
  /** The placeholder inside the component's text ("1", "first_name"). */
  placeholder: string;
  example: string;
}

export interface ButtonSpec {
  index: number;
  type: ButtonType;
  text: string;
  /** A URL button with a variable suffix, an OTP or copy-code button: the value is required. */
  needsValue: boolean;
}

export interface TemplateDefinition {
  headerFormat: HeaderFormat;
  headerText: string;
  bodyText: string;
  footerText: string;
  parameters: ParameterSpec[];
  buttons: ButtonSpec[];
}

/** Meta's limits on what a parameter may hold (fact sheet §4/§5; 132000, 132005, 132018). */
export const LIMITS = {
  headerParameter: 60,
  bodyParameter: 1024,
  renderedBody: 1024,
  buttonPayload: 256,
  urlSuffix: 2000,
  code: 15,
  maxConsecutiveSpaces: 4,
} as const;

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;
const HEADER_PREFIX = 'header.';

const componentSchema = z
  .object({
    type: z.string(),
    format: z.string().optional(),
    text: z.string().optional(),
    example: z.unknown().optional(),
    buttons: z
      .array(z.object({ type: z.string(), text: z.string().optional(), url: z.string().optional() }).loose())
      .optional(),
  })
  .loose();

/** Parses Meta's components; throws a plain Error naming no value on a shape it cannot read. */
export function parseComponents(json: unknown): TemplateDefinition {
  const components = z.array(componentSchema).parse(json);
  const definition: TemplateDefinition = { headerFormat: '', headerText: '', bodyText: '', footerText: '', parameters: [], buttons: [] };
  for (const component of components) {
    switch (component.type.toUpperCase()) {
      case 'HEADER': {
        definition.headerFormat = headerFormat(component.format);
        definition.headerText = component.text ?? '';
        const examples = exampleValues(component.example, 'header_text');
        placeholders(definition.headerText).forEach((placeholder, i) =>
          definition.parameters.push({ name: `${HEADER_PREFIX}${placeholder}`, component: 'header', placeholder, example: examples[i] ?? '' }),
        );
        break;
      }
      case 'BODY': {
        definition.bodyText = component.text ?? '';
        const examples = exampleValues(component.example, 'body_text');
        placeholders(definition.bodyText).forEach((placeholder, i) =>
          definition.parameters.push({ name: placeholder, component: 'body', placeholder, example: examples[i] ?? '' }),
        );
        break;
      }
      case 'FOOTER':
        definition.footerText = component.text ?? '';
        break;
      case 'BUTTONS':
        (component.buttons ?? []).forEach((button, index) => {
          const type = buttonType(button.type);
          const variableUrl = type === 'url' && placeholders(button.url ?? '').length > 0;
          definition.buttons.push({
            index,
            type,
            text: button.text ?? '',
            needsValue: variableUrl || type === 'otp' || type === 'copy_code',
          });
        });
        break;
      default:
        break;
    }
  }
  return definition;
}

/** Distinct placeholders of a text, in order of first appearance. */
export function placeholders(text: string): string[] {
  const seen: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!seen.includes(name)) seen.push(name);
  }
  return seen;
}

function headerFormat(format: string | undefined): HeaderFormat {
  switch ((format ?? 'TEXT').toUpperCase()) {
    case 'TEXT':
      return 'text';
    case 'IMAGE':
      return 'image';
    case 'VIDEO':
      return 'video';
    case 'DOCUMENT':
      return 'document';
    case 'LOCATION':
      return 'location';
    default:
      return '';
  }
}

function buttonType(type: string): ButtonType {
  switch (type.toUpperCase()) {
    case 'QUICK_REPLY':
      return 'quick_reply';
    case 'URL':
      return 'url';
    case 'COPY_CODE':
      return 'copy_code';
    case 'OTP':
      return 'otp';
    case 'PHONE_NUMBER':
      return 'phone_number';
    default:
      return 'other';
  }
}

/** Meta's `example.body_text` is `[[…]]`, `example.header_text` is `[…]`. */
function exampleValues(example: unknown, key: string): string[] {
  if (typeof example !== 'object' || example === null) return [];
  const value: unknown = (example as Record<string, unknown>)[key];
  const flat = Array.isArray(value) ? (value.flat() as unknown[]) : [];
  return flat.filter((v): v is string => typeof v === 'string');
}

/** What stands in for a one-time code wherever staff could read it. */
export const HIDDEN_CODE = '••••••';

/**
 * The preview staff see of a sent template. An AUTHENTICATION template carries a one-time code
 * meant for the patient alone (it proves who they are on the release page): the code is sent to
 * WhatsApp but never kept readable in the conversation, so nobody in the care team can use it.
 */
export function staffPreview(category: TemplateCategoryName, previewText: string, values: readonly { text: string }[]): string {
  if (category !== 'authentication') return previewText;
  let preview = previewText;
  // longest first, so that a value inside another is not left half visible
  for (const text of [...new Set(values.map((value) => value.text))].filter((text) => text !== '').sort((a, b) => b.length - a.length)) {
    preview = preview.split(text).join(HIDDEN_CODE);
  }
  return preview;
}

export function categoryName(category: string): TemplateCategoryName {
  const lower = category.toLowerCase();
  return lower === 'marketing' || lower === 'utility' || lower === 'authentication' ? lower : 'unknown';
}

export function statusName(status: string): TemplateStatusName {
  const lower = status.toLowerCase();
  switch (lower) {
    case 'pending':
    case 'approved':
    case 'rejected':
    case 'paused':
    case 'disabled':
    case 'deleted':
      return lower;
    case 'archived':
      return 'deleted';
    case 'in_appeal':
    case 'pending_deletion':
      return 'pending';
    default:
      return 'unknown';
  }
}

// --- parameters ---------------------------------------------------------------------------------

export type ParameterProblem =
  | 'unknown'
  | 'missing'
  | 'duplicate'
  | 'empty'
  | 'newline_or_tab'
  | 'too_many_spaces'
  | 'too_long'
  | 'unknown_button'
  | 'media_header_not_supported'
  | 'body_too_long';

export interface ParameterIssue {
  /** The parameter's name, or `button.<index>`, or `body`: never its value. */
  parameter: string;
  problem: ParameterProblem;
}

export interface FilledParameter {
  spec: ParameterSpec;
  text: string;
}

export interface FilledButton {
  spec: ButtonSpec;
  /** Quick reply: the payload ('' = none given); URL: the suffix; OTP/copy code: the code. */
  value: string;
}

export interface FilledTemplate {
  parameters: FilledParameter[];
  buttons: FilledButton[];
  previewText: string;
}

/**
 * Checks the caller's values against the template (every placeholder filled once, nothing
 * unknown, Meta's text rules) and fills it. Returns every issue, not only the first.
 */
export function fillTemplate(
  definition: TemplateDefinition,
  values: readonly { name: string; text: string }[],
  buttons: readonly { index: number; value: string }[],
): { ok: true; filled: FilledTemplate } | { ok: false; issues: ParameterIssue[] } {
  const issues: ParameterIssue[] = [];
  if (definition.headerFormat !== '' && definition.headerFormat !== 'text') {
    issues.push({ parameter: 'header', problem: 'media_header_not_supported' });
  }
  const byName = new Map<string, string>();
  for (const value of values) {
    const spec = definition.parameters.find((p) => p.name === value.name);
    if (spec === undefined) issues.push({ parameter: safeName(value.name), problem: 'unknown' });
    else if (byName.has(value.name)) issues.push({ parameter: spec.name, problem: 'duplicate' });
    else byName.set(value.name, value.text);
  }
  const parameters: FilledParameter[] = [];
  for (const spec of definition.parameters) {
    const text = byName.get(spec.name);
    if (text === undefined) {
      issues.push({ parameter: spec.name, problem: 'missing' });
      continue;
    }
    const problem = textProblem(text, spec.component === 'header' ? LIMITS.headerParameter : LIMITS.bodyParameter);
    if (problem !== undefined) issues.push({ parameter: spec.name, problem });
    else parameters.push({ spec, text });
  }

  const buttonValues = new Map<number, string>();
  for (const button of buttons) {
    const spec = definition.buttons.find((b) => b.index === button.index);
    const name = `button.${button.index}`;
    if (spec === undefined || spec.type === 'phone_number' || spec.type === 'other') issues.push({ parameter: name, problem: 'unknown_button' });
    else if (buttonValues.has(button.index)) issues.push({ parameter: name, problem: 'duplicate' });
    else buttonValues.set(button.index, button.value);
  }
  const filledButtons: FilledButton[] = [];
  for (const spec of definition.buttons) {
    if (spec.type === 'phone_number' || spec.type === 'other') continue;
    const name = `button.${spec.index}`;
    const value = buttonValues.get(spec.index) ?? '';
    if (spec.needsValue && value === '') {
      issues.push({ parameter: name, problem: 'missing' });
      continue;
    }
    if (spec.type === 'url' && !spec.needsValue) {
      // a fixed URL takes no value
      if (value !== '') issues.push({ parameter: name, problem: 'unknown_button' });
      continue;
    }
    const limit = spec.type === 'quick_reply' ? LIMITS.buttonPayload : spec.type === 'url' ? LIMITS.urlSuffix : LIMITS.code;
    if (characterCount(value) > limit) issues.push({ parameter: name, problem: 'too_long' });
    else if (/\s/.test(value) && spec.type !== 'quick_reply') issues.push({ parameter: name, problem: 'newline_or_tab' });
    else if (/[\n\t]/.test(value)) issues.push({ parameter: name, problem: 'newline_or_tab' });
    else if (spec.type !== 'quick_reply' || value !== '') filledButtons.push({ spec, value });
  }

  if (issues.length > 0) return { ok: false, issues };
  const previewText = renderPreview(definition, parameters);
  if (characterCount(render(definition.bodyText, parameters, 'body')) > LIMITS.renderedBody) {
    return { ok: false, issues: [{ parameter: 'body', problem: 'body_too_long' }] };
  }
  return { ok: true, filled: { parameters, buttons: filledButtons, previewText } };
}

/** A caller's unknown name goes into an error: only a harmless shape of it. */
function safeName(name: string): string {
  return /^[A-Za-z0-9_.]{1,64}$/.test(name) ? name : '(invalid name)';
}

/** Meta's rules for a text parameter (132018: no newlines or tabs, no more than 4 spaces in a row). */
export function textProblem(text: string, maxCharacters: number): ParameterProblem | undefined {
  if (text.trim() === '') return 'empty';
  if (/[\n\r\t]/.test(text)) return 'newline_or_tab';
  if (/ {5,}/.test(text)) return 'too_many_spaces';
  if (characterCount(text) > maxCharacters) return 'too_long';
  return undefined;
}

function render(text: string, parameters: readonly FilledParameter[], component: 'header' | 'body'): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const found = parameters.find((p) => p.spec.component === component && p.spec.placeholder === name);
    return found === undefined ? whole : found.text;
  });
}

/** Header, body and footer as the patient sees them, one per line. */
export function renderPreview(definition: TemplateDefinition, parameters: readonly FilledParameter[]): string {
  return [
    definition.headerFormat === 'text' ? render(definition.headerText, parameters, 'header') : '',
    render(definition.bodyText, parameters, 'body'),
    definition.footerText,
  ]
    .filter((part) => part !== '')
    .join('\n');
}

// --- language -------------------------------------------------------------------------------------

/** The fallback language when neither the patient, the caller nor the tenant names one. */
export const PLATFORM_DEFAULT_LANGUAGE = 'en_US';

/** `es-MX`, `ES_mx` → `es_MX`: Meta's form. */
export function normalizeLanguage(code: string): string {
  const [base = '', region] = code.trim().replace('-', '_').split('_');
  return region === undefined || region === '' ? base.toLowerCase() : `${base.toLowerCase()}_${region.toUpperCase()}`;
}

export function isLanguageCode(code: string): boolean {
  return /^[a-zA-Z]{2,3}([_-][a-zA-Z0-9]{2,4})?$/.test(code.trim());
}

function baseOf(code: string): string {
  return normalizeLanguage(code).split('_')[0] ?? '';
}

/**
 * The language to send in. For each wanted code in order (the patient's preferred, the caller's,
 * the tenant's default, en_US; empty ones skipped): the exact language if the template has it,
 * else one of the same base language (`es_MX` → `es`, `es` → `es_ES`), the bare base first.
 * Undefined when none matches.
 */
export function chooseLanguage(available: readonly string[], wanted: readonly string[]): string | undefined {
  const normalized = available.map((code) => ({ code, norm: normalizeLanguage(code) }));
  for (const want of wanted) {
    if (want.trim() === '') continue;
    const norm = normalizeLanguage(want);
    const exact = normalized.find((a) => a.norm === norm);
    if (exact) return exact.code;
    const base = baseOf(norm);
    const sameBase = normalized.filter((a) => baseOf(a.norm) === base).sort((a, b) => a.norm.length - b.norm.length || a.norm.localeCompare(b.norm));
    if (sameBase[0]) return sameBase[0].code;
  }
  return undefined;
}
