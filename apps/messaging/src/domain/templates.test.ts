import { describe, expect, it } from 'vitest';
import { chooseLanguage, fillTemplate, normalizeLanguage, parseComponents, placeholders, statusName, textProblem } from './templates';

const components = [
  { type: 'HEADER', format: 'TEXT', text: 'Welcome to {{1}}' },
  { type: 'BODY', text: 'Hello {{1}}, see {{2}} on {{3}}. {{1}} again.', example: { body_text: [['Ana', 'Dr. Ruiz', 'Friday']] } },
  { type: 'FOOTER', text: 'Careline' },
  {
    type: 'BUTTONS',
    buttons: [
      { type: 'QUICK_REPLY', text: 'Confirm' },
      { type: 'URL', text: 'Open', url: 'https://portal.example/r/{{1}}' },
      { type: 'PHONE_NUMBER', text: 'Call', phone_number: '+15550000' },
    ],
  },
];

describe('parseComponents', () => {
  it('reads header and body placeholders (header ones as header.<n>), examples and buttons', () => {
    const definition = parseComponents(components);
    expect(definition.parameters.map((p) => [p.name, p.component, p.example])).toEqual([
      ['header.1', 'header', ''],
      ['1', 'body', 'Ana'],
      ['2', 'body', 'Dr. Ruiz'],
      ['3', 'body', 'Friday'],
    ]);
    expect(definition.buttons.map((b) => [b.index, b.type, b.needsValue])).toEqual([
      [0, 'quick_reply', false],
      [1, 'url', true],
      [2, 'phone_number', false],
    ]);
  });

  it('finds named placeholders once each', () => {
    expect(placeholders('Hi {{first_name}}, {{ first_name }} at {{time}}')).toEqual(['first_name', 'time']);
  });

  it('maps Meta statuses, archived as deleted', () => {
    expect([statusName('APPROVED'), statusName('ARCHIVED'), statusName('IN_APPEAL'), statusName('weird')]).toEqual([
      'approved',
      'deleted',
      'pending',
      'unknown',
    ]);
  });
});

describe('fillTemplate', () => {
  const definition = parseComponents(components);
  const values = [
    { name: 'header.1', text: 'St. Mary' },
    { name: '1', text: 'Ana' },
    { name: '2', text: 'Dr. Ruiz' },
    { name: '3', text: 'Friday' },
  ];

  it('fills every placeholder and renders the preview', () => {
    const result = fillTemplate(definition, values, [{ index: 1, value: 'tok123' }, { index: 0, value: 'APPT-1' }]);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.filled.previewText).toBe('Welcome to St. Mary\nHello Ana, see Dr. Ruiz on Friday. Ana again.\nCareline');
    expect(result.filled.buttons.map((b) => [b.spec.index, b.value])).toEqual([
      [0, 'APPT-1'],
      [1, 'tok123'],
    ]);
  });

  it('reports every problem by parameter name, never by value', () => {
    const result = fillTemplate(
      definition,
      [{ name: '1', text: 'Ana\tX' }, { name: '2', text: 'a     b' }, { name: '2', text: 'dup' }, { name: 'x y', text: 'secret' }],
      [{ index: 2, value: 'x' }],
    );
    if (result.ok) throw new Error('expected issues');
    expect(result.issues).toEqual([
      { parameter: '2', problem: 'duplicate' },
      { parameter: '(invalid name)', problem: 'unknown' },
      { parameter: 'header.1', problem: 'missing' },
      { parameter: '1', problem: 'newline_or_tab' },
      { parameter: '2', problem: 'too_many_spaces' },
      { parameter: '3', problem: 'missing' },
      { parameter: 'button.2', problem: 'unknown_button' },
      { parameter: 'button.1', problem: 'missing' },
    ]);
    expect(JSON.stringify(result.issues)).not.toContain('secret');
  });

  it('applies the parameter length limits and the rendered body limit', () => {
    expect(textProblem('x'.repeat(61), 60)).toBe('too_long');
    expect(textProblem('    four  ok', 60)).toBeUndefined();
    const long = fillTemplate(definition, [{ name: 'header.1', text: 'H' }, { name: '1', text: 'a'.repeat(600) }, { name: '2', text: 'b' }, { name: '3', text: 'c' }], [
      { index: 1, value: 't' },
    ]);
    expect(long).toEqual({ ok: false, issues: [{ parameter: 'body', problem: 'body_too_long' }] });
  });

  it('refuses a media header (not sendable through this contract yet)', () => {
    const media = parseComponents([{ type: 'HEADER', format: 'DOCUMENT' }, { type: 'BODY', text: 'Hi' }]);
    expect(fillTemplate(media, [], [])).toEqual({ ok: false, issues: [{ parameter: 'header', problem: 'media_header_not_supported' }] });
  });
});

describe('chooseLanguage', () => {
  it('takes the first wanted language the template has: exact, then the same base (bare base first)', () => {
    expect(chooseLanguage(['en_US', 'es'], ['es_MX'])).toBe('es');
    expect(chooseLanguage(['en_US', 'es_ES', 'es_MX'], ['es'])).toBe('es_ES');
    expect(chooseLanguage(['en_US', 'es', 'es_MX'], ['es_AR'])).toBe('es');
    expect(chooseLanguage(['en_US', 'es'], ['', 'fr', 'en_GB'])).toBe('en_US');
    expect(chooseLanguage(['en_US', 'pt_BR'], ['pt-br'])).toBe('pt_BR');
    expect(chooseLanguage(['de'], ['fr', 'en_US'])).toBeUndefined();
  });

  it('normalizes codes to Meta’s form', () => {
    expect([normalizeLanguage('es-mx'), normalizeLanguage('EN_us'), normalizeLanguage('Es')]).toEqual(['es_MX', 'en_US', 'es']);
  });
});
