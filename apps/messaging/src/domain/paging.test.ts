import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, pageOf, pageSize } from './paging';

describe('paging', () => {
  it('applies the default and the maximum page size', () => {
    expect(pageSize(0)).toBe(50);
    expect(pageSize(7)).toBe(7);
    expect(pageSize(5000)).toBe(200);
    expect(() => pageSize(-1)).toThrow(expect.objectContaining({ code: 'invalid_page_size' }));
  });

  it('round-trips a cursor and rejects tokens it did not issue', () => {
    const cursor = { at: new Date('2025-03-04T10:00:00.123Z'), id: '5f0c2b9e-1d3a-4e6f-8a7b-9c0d1e2f3a4b' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(decodeCursor('')).toBeUndefined();
    for (const bad of ['%%%', Buffer.from('{"t":"yesterday","i":"x"}').toString('base64url'), Buffer.from('[]').toString('base64url')]) {
      expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ code: 'invalid_page_token', kind: 'invalid_argument' }));
    }
  });

  it('gives a next token only when a further row exists', () => {
    const rows = [1, 2, 3].map((n) => ({ at: new Date(n * 1000), id: `00000000-0000-4000-8000-00000000000${n}` }));
    const cursorOf = (row: (typeof rows)[number]) => row;
    expect(pageOf(rows, 3, cursorOf).nextPageToken).toBe('');
    const page = pageOf(rows, 2, cursorOf);
    expect(page.items).toHaveLength(2);
    expect(decodeCursor(page.nextPageToken)).toEqual(rows[1]);
  });
});
