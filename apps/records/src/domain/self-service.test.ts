import { describe, expect, it } from 'vitest';
import { DEFAULT_KEYWORDS, asksForResults, listWords, normalise, parseKeywords, shareIdOfRow, shareRowId } from './self-service';

const keywords = parseKeywords(DEFAULT_KEYWORDS);

describe('self-service keywords', () => {
  it('recognises short requests for results in each language, accents and punctuation ignored', () => {
    expect(asksForResults('My results', keywords)).toBe('en');
    expect(asksForResults('results please!', keywords)).toBe('en');
    expect(asksForResults('¿Mis resultados?', keywords)).toBe('es');
    expect(asksForResults('RESULTADOS', keywords)).toBe('es');
    expect(asksForResults('mes résultats', keywords)).toBe('fr');
  });

  it('ignores other messages, words inside words, and long messages that merely mention results', () => {
    expect(asksForResults('Hello', keywords)).toBeUndefined();
    expect(asksForResults('resultsx', keywords)).toBeUndefined();
    expect(asksForResults('I am worried about my results from the cardiology visit last week', keywords)).toBeUndefined();
    expect(asksForResults('', keywords)).toBeUndefined();
  });

  it('parses a configuration and refuses a malformed one', () => {
    const custom = parseKeywords('en:lab report|labs; es:Análisis');
    expect(asksForResults('labs', custom)).toBe('en');
    expect(asksForResults('analisis', custom)).toBe('es');
    expect(asksForResults('my results', custom)).toBeUndefined();
    expect(() => parseKeywords('results')).toThrow(TypeError);
    expect(() => parseKeywords('english:results')).toThrow(TypeError);
    expect(() => parseKeywords('en:|')).toThrow(TypeError);
    expect(normalise('  Mis   RESULTADOS!! ')).toBe('mis resultados');
  });
});

describe('list rows', () => {
  it('round-trips a share id and refuses anything else', () => {
    const id = '0b6f1c8e-5d2a-4c1e-9f3b-7a8d6e5c4b3a';
    expect(shareIdOfRow(shareRowId(id))).toBe(id);
    expect(shareIdOfRow('records:share:not-a-uuid')).toBeUndefined();
    expect(shareIdOfRow(`scheduling:${id}`)).toBeUndefined();
  });

  it('words fit WhatsApp limits and fall back to English', () => {
    for (const language of ['en', 'es', 'es_MX', 'de']) {
      const words = listWords(language);
      expect(words.button.length).toBeLessThanOrEqual(20);
      // a button title (up to 3 options) is at most 20 characters, a list row's 24
      expect(words.row(new Date('2026-11-25T10:00:00Z')).length).toBeLessThanOrEqual(20);
      expect(words.rowDescription.length).toBeLessThanOrEqual(72);
      expect(words.footer.length).toBeLessThanOrEqual(60);
      expect(words.body.length).toBeLessThanOrEqual(1024);
    }
    expect(listWords('es_MX').button).toBe('Mis resultados');
    expect(listWords('de').button).toBe('My results');
  });
});
