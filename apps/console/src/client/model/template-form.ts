// The template picker's logic: which fields a template needs, whether the values pass WhatsApp's
// rules (checked here first so the nurse sees the problem beside the field, not as a 400), the
// preview with the values filled in, and the request body for POST /v1/conversations/{id}/templates.
import type { Template } from '../schemas';
import { t } from '../messages';

export interface TemplateField {
  /** `param:<name>` or `button:<index>`. */
  key: string;
  label: string;
  example: string | null;
}

export interface TemplateValues {
  [key: string]: string;
}

export function fieldsOf(template: Template): TemplateField[] {
  return [
    ...template.parameters.map((parameter) => ({
      key: `param:${parameter.name}`,
      label:
        parameter.component === 'header'
          ? t.templates.headerParameter(parameter.name)
          : t.templates.parameter(parameter.name),
      example: parameter.example,
    })),
    ...template.buttons
      .filter((button) => button.needsValue)
      .map((button) => ({
        key: `button:${button.index}`,
        label: t.templates.button(button.text),
        example: null,
      })),
  ];
}

/** WhatsApp's rules for a parameter text (the api checks the same). Undefined when valid. */
export function parameterProblem(value: string): string | undefined {
  if (value.trim() === '') return t.templates.errors.required;
  if ([...value].length > 1024) return t.templates.errors.tooLong;
  if (/[\n\r\t]/.test(value)) return t.templates.errors.newline;
  if (/ {5,}/.test(value)) return t.templates.errors.spaces;
  return undefined;
}

/** Field key → problem, for every field whose value is not acceptable. */
export function validate(template: Template, values: TemplateValues): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const field of fieldsOf(template)) {
    const value = values[field.key] ?? '';
    const problem = field.key.startsWith('button:')
      ? value.trim() === ''
        ? t.templates.errors.required
        : undefined
      : parameterProblem(value);
    if (problem !== undefined) problems[field.key] = problem;
  }
  return problems;
}

/** The body as the patient will read it: `{{name}}` replaced by its value (or left visible while empty). */
export function preview(template: Template, values: TemplateValues): string {
  return template.bodyText.replace(/\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g, (whole, name: string) => {
    const value = values[`param:${name}`] ?? values[`param:body.${name}`];
    return value !== undefined && value.trim() !== '' ? value : whole;
  });
}

export interface SendTemplateBody {
  templateName: string;
  languageCode: string;
  parameters: Record<string, string>;
  buttons: { index: number; value: string }[];
  idempotencyKey: string;
}

export function sendBody(
  template: Template,
  values: TemplateValues,
  idempotencyKey: string,
): SendTemplateBody {
  const parameters: Record<string, string> = {};
  for (const parameter of template.parameters)
    parameters[parameter.name] = values[`param:${parameter.name}`] ?? '';
  const buttons = template.buttons
    .filter((button) => button.needsValue)
    .map((button) => ({ index: button.index, value: values[`button:${button.index}`] ?? '' }));
  return {
    templateName: template.name,
    languageCode: template.language,
    parameters,
    buttons,
    idempotencyKey,
  };
}

/** Templates grouped by name (one entry per name, its languages sorted) for the picker. */
export function templatesByName(templates: readonly Template[]): Map<string, Template[]> {
  const byName = new Map<string, Template[]>();
  for (const template of templates) {
    const list = byName.get(template.name) ?? [];
    list.push(template);
    byName.set(template.name, list);
  }
  for (const list of byName.values()) list.sort((a, b) => a.language.localeCompare(b.language));
  return new Map([...byName.entries()].sort(([a], [b]) => a.localeCompare(b)));
}
