import { describe, expect, it } from 'vitest';
import { serializeLikeMeta } from './meta-json';

describe('serializeLikeMeta', () => {
  it('escapes every non-ASCII character as lower-case \\uXXXX, emoji as a surrogate pair', () => {
    const json = serializeLikeMeta({ body: 'Olá 👋 ü€' }, { escapeSlashes: false });
    expect(json).toBe('{"body":"Ol\\u00e1 \\ud83d\\udc4b \\u00fc\\u20ac"}');
    expect(/[^\x00-\x7f]/.test(json)).toBe(false);
  });

  it('stays valid JSON that parses back to the same value', () => {
    const value = { a: 'Olá 👋 "quoted" \\ back\nslash / ok', n: 1.5, list: [true, null] };
    expect(JSON.parse(serializeLikeMeta(value, { escapeSlashes: true }))).toEqual(value);
    expect(JSON.parse(serializeLikeMeta(value, { escapeSlashes: false }))).toEqual(value);
  });

  it('escapes slashes only when asked', () => {
    expect(serializeLikeMeta({ u: 'https://x/y' }, { escapeSlashes: true })).toBe(
      '{"u":"https:\\/\\/x\\/y"}',
    );
    expect(serializeLikeMeta({ u: 'https://x/y' }, { escapeSlashes: false })).toBe('{"u":"https://x/y"}');
  });

  it('differs from a plain re-serialisation whenever the text is not ASCII (why receivers must sign raw bytes)', () => {
    const value = { body: 'Olá' };
    expect(serializeLikeMeta(value, { escapeSlashes: false })).not.toBe(
      JSON.stringify(JSON.parse(serializeLikeMeta(value, { escapeSlashes: false }))),
    );
  });
});
