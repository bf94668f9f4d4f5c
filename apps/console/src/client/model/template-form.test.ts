import { describe, expect, it } from 'vitest';
import { fieldsOf, parameterProblem, preview, sendBody, templatesByName, validate } from './template-form';
import { template } from './test-fixtures';

describe('the template form', () => {
  it('asks for every placeholder and every button that needs a value, in order', () => {
    const header = template({
      parameters: [
        { name: 'header.1', component: 'header', example: null },
        { name: '1', component: 'body', example: 'Ana' },
      ],
    });
    expect(fieldsOf(header).map((field) => [field.key, field.label])).toEqual([
      ['param:header.1', 'Header value for {{header.1}}'],
      ['param:1', 'Value for {{1}}'],
      ['button:1', 'Button “Details” value'],
    ]);
  });

  it("checks WhatsApp's parameter rules", () => {
    expect(parameterProblem('Ana')).toBeUndefined();
    expect(parameterProblem('   ')).toBe('Required.');
    expect(parameterProblem('a\nb')).toBe('No line breaks or tabs (WhatsApp rule).');
    expect(parameterProblem('a\tb')).toBe('No line breaks or tabs (WhatsApp rule).');
    expect(parameterProblem('a     b')).toBe('At most 4 spaces in a row (WhatsApp rule).');
    expect(parameterProblem('a    b')).toBeUndefined();
    expect(parameterProblem('x'.repeat(1025))).toBe('At most 1024 characters.');
    expect(parameterProblem('x'.repeat(1024))).toBeUndefined();
  });

  it('names each field with a problem, and none once all are filled', () => {
    const tpl = template();
    expect(Object.keys(validate(tpl, {}))).toEqual(['param:1', 'param:2', 'button:1']);
    expect(validate(tpl, { 'param:1': 'Ana', 'param:2': 'two\nlines', 'button:1': 'APPT-1' })).toEqual({
      'param:2': 'No line breaks or tabs (WhatsApp rule).',
    });
    expect(validate(tpl, { 'param:1': 'Ana', 'param:2': 'Dr. Ruiz', 'button:1': 'APPT-1' })).toEqual({});
  });

  it('previews the body with the values filled in, leaving empty placeholders visible', () => {
    expect(preview(template(), { 'param:1': 'Ana' })).toBe(
      'Hello Ana, your appointment with {{2}} is confirmed.',
    );
    expect(preview(template(), { 'param:1': 'Ana', 'param:2': 'Dr. Ruiz' })).toBe(
      'Hello Ana, your appointment with Dr. Ruiz is confirmed.',
    );
  });

  it('builds the api request: parameters by name, button values by index, the chosen language', () => {
    expect(
      sendBody(
        template({ language: 'es' }),
        { 'param:1': 'Ana', 'param:2': 'Dr. Ruiz', 'button:1': 'APPT-1' },
        'key-1',
      ),
    ).toEqual({
      templateName: 'appointment_reminder',
      languageCode: 'es',
      parameters: { '1': 'Ana', '2': 'Dr. Ruiz' },
      buttons: [{ index: 1, value: 'APPT-1' }],
      idempotencyKey: 'key-1',
    });
  });

  it('groups the registry by name with the languages sorted', () => {
    const grouped = templatesByName([
      template({ language: 'es' }),
      template({ name: 'a_first' }),
      template({ language: 'en_US' }),
    ]);
    expect([...grouped.keys()]).toEqual(['a_first', 'appointment_reminder']);
    expect(grouped.get('appointment_reminder')?.map((tpl) => tpl.language)).toEqual(['en_US', 'es']);
  });
});
