import { describe, expect, it } from 'vitest';
import { GraphError } from '../graph/errors';
import { DEFAULT_TEMPLATES } from './defaults';
import { hydrateTemplate, type TemplateSend } from './hydrate';
import { TemplateInputSchema, fillPlaceholders, placeholders, type Template } from './schema';

const registered = (input: unknown): Template => ({
  id: '1',
  waba_id: null,
  ...TemplateInputSchema.parse(input),
});

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof GraphError) return error.code;
    throw error;
  }
  return undefined;
}

describe('templates', () => {
  it('parses every default template', () => {
    for (const t of DEFAULT_TEMPLATES) expect(() => TemplateInputSchema.parse(t)).not.toThrow();
  });

  it('finds placeholders, positional and named, and fills them', () => {
    expect(placeholders('Hi {{1}}, see {{2}} and {{1}}')).toEqual(['1', '2']);
    expect(placeholders('Hi {{first_name}}')).toEqual(['first_name']);
    expect(fillPlaceholders('Hi {{1}} {{2}}', new Map([['1', 'Ana']]))).toBe('Hi Ana {{2}}');
  });

  it('matches named parameters by parameter_name', () => {
    const template = registered({
      name: 'named',
      language: 'en_US',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Hi {{first_name}}, at {{time}}' }],
    });
    const send = (parameters: unknown[]): TemplateSend =>
      ({
        name: 'named',
        language: { code: 'en_US' },
        components: [{ type: 'body', parameters }],
      }) as TemplateSend;
    expect(
      hydrateTemplate(
        send([
          { type: 'text', text: '10:00', parameter_name: 'time' },
          { type: 'text', text: 'Ana', parameter_name: 'first_name' },
        ]),
        template,
      ).body,
    ).toBe('Hi Ana, at 10:00');
    expect(
      codeOf(() =>
        hydrateTemplate(
          send([
            { type: 'text', text: 'Ana' },
            { type: 'text', text: 'x' },
          ]),
          template,
        ),
      ),
    ).toBe(132000);
  });

  it('uses the fallback value of currency and date_time parameters', () => {
    const template = registered({
      name: 'bill',
      language: 'en_US',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Due {{1}} by {{2}}' }],
    });
    const rendered = hydrateTemplate(
      {
        name: 'bill',
        language: { code: 'en_US' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'currency', currency: { fallback_value: '€12.50', code: 'EUR', amount_1000: 12500 } },
              { type: 'date_time', date_time: { fallback_value: '1 June' } },
            ],
          },
        ],
      },
      template,
    );
    expect(rendered.body).toBe('Due €12.50 by 1 June');
  });

  it('refuses registrations Meta refuses', () => {
    const base = { name: 'x', language: 'en_US', category: 'UTILITY' };
    expect(
      TemplateInputSchema.safeParse({ ...base, components: [{ type: 'FOOTER', text: 'f' }] }).success,
    ).toBe(false);
    expect(
      TemplateInputSchema.safeParse({
        ...base,
        components: [
          { type: 'BODY', text: 'x' },
          { type: 'BUTTONS', buttons: [{ type: 'OTP' }] },
        ],
      }).success,
    ).toBe(false);
    expect(
      TemplateInputSchema.safeParse({
        ...base,
        category: 'AUTHENTICATION',
        components: [{ type: 'BODY', text: '{{1}}' }],
      }).success,
    ).toBe(false);
    expect(
      TemplateInputSchema.safeParse({
        ...base,
        components: [
          { type: 'BODY', text: 'x' },
          { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Go', url: 'https://x.example/{{1}}/y' }] },
        ],
      }).success,
    ).toBe(false);
  });
});
