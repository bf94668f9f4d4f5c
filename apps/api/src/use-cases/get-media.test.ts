import { describe, expect, it } from 'vitest';
import { contentDisposition } from './get-media';

describe('contentDisposition', () => {
  it('is an attachment with an ASCII fallback and the exact UTF-8 name', () => {
    expect(contentDisposition('Résultat 1.pdf')).toBe(`attachment; filename="R_sultat 1.pdf"; filename*=UTF-8''R%C3%A9sultat%201.pdf`);
  });

  it('cannot be broken out of by quotes, separators, paths or line breaks', () => {
    const header = contentDisposition('a";\r\nSet-Cookie: x=1;/../b.pdf');
    expect(header).not.toMatch(/[\r\n]/);
    expect(header.startsWith('attachment; filename="a__')).toBe(true);
    expect(header.match(/"/g)).toHaveLength(2);
    expect(header).not.toContain('/');
  });
});
