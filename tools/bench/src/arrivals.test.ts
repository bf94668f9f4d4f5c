import { describe, expect, it } from 'vitest';
import {
  type FetchPage,
  type MessageItem,
  createArrivalTracker,
  readNewMessages,
  watchArrivals,
} from './arrivals';

const text = (id: string, body: string): MessageItem => ({ id, content: { type: 'text', text: body } });

/** A conversation's messages, newest first, served in pages of `pageSize` like the api. */
function fakeApi(pageSize: number) {
  const conversations = new Map<string, MessageItem[]>();
  let calls = 0;
  const fetchPage: FetchPage = (conversationId, cursor) => {
    calls += 1;
    const items = conversations.get(conversationId) ?? [];
    const start = cursor === undefined ? 0 : Number(cursor);
    const page = items.slice(start, start + pageSize);
    const next = start + pageSize < items.length ? String(start + pageSize) : null;
    return Promise.resolve({ items: page, nextCursor: next });
  };
  return {
    fetchPage,
    calls: () => calls,
    add(conversationId: string, item: MessageItem) {
      conversations.set(conversationId, [item, ...(conversations.get(conversationId) ?? [])]);
    },
    /** A message whose transaction committed late: it sorts below newer ones. */
    addBelow(conversationId: string, item: MessageItem, position: number) {
      const list = conversations.get(conversationId) ?? [];
      list.splice(position, 0, item);
      conversations.set(conversationId, list);
    },
  };
}

describe('createArrivalTracker', () => {
  it('keeps the first sighting of an expected text only', () => {
    const tracker = createArrivalTracker(['a', 'b']);
    expect(tracker.observe('a', 10)).toBe(true);
    expect(tracker.observe('a', 20)).toBe(false);
    expect(tracker.observe('unexpected', 5)).toBe(false);
    expect(tracker.arrivedAt('a')).toBe(10);
    expect(tracker.missing()).toEqual(['b']);
    expect(tracker.done()).toBe(false);
    tracker.observe('b', 30);
    expect(tracker.done()).toBe(true);
  });
});

describe('readNewMessages', () => {
  it('reads pages newest first until it reaches a message seen before', async () => {
    const api = fakeApi(2);
    for (let i = 0; i < 10; i += 1) api.add('c', text(`m${i}`, `t${i}`));
    const seen = new Set<string>();
    const got: string[] = [];
    expect(
      await readNewMessages(api.fetchPage, 'c', seen, (items) => got.push(...items.map((m) => m.id))),
    ).toBe(10);
    expect(got).toEqual(['m9', 'm8', 'm7', 'm6', 'm5', 'm4', 'm3', 'm2', 'm1', 'm0']);

    api.add('c', text('m10', 't10'));
    api.add('c', text('m11', 't11'));
    api.add('c', text('m12', 't12'));
    const before = api.calls();
    got.length = 0;
    await readNewMessages(api.fetchPage, 'c', seen, (items) => got.push(...items.map((m) => m.id)));
    expect(got).toEqual(['m12', 'm11', 'm10']);
    // two pages (the second reaches m9), not the whole list again
    expect(api.calls() - before).toBe(2);
  });

  it('finds a late-committed message below seen ones only on a full read', async () => {
    const api = fakeApi(2);
    for (let i = 0; i < 4; i += 1) api.add('c', text(`m${i}`, `t${i}`));
    const seen = new Set<string>();
    await readNewMessages(api.fetchPage, 'c', seen, () => undefined);
    api.addBelow('c', text('late', 'late'), 3);
    const got: string[] = [];
    await readNewMessages(api.fetchPage, 'c', seen, (items) => got.push(...items.map((m) => m.id)));
    expect(got).toEqual([]);
    await readNewMessages(api.fetchPage, 'c', seen, (items) => got.push(...items.map((m) => m.id)), {
      full: true,
    });
    expect(got).toEqual(['late']);
  });

  it('hands over a page as soon as it is read, so a later failing page loses nothing', async () => {
    const seen = new Set<string>();
    const got: string[] = [];
    const fetchPage: FetchPage = (_id, cursor) =>
      cursor === undefined
        ? Promise.resolve({ items: [text('m1', 'a'), text('m0', 'b')], nextCursor: 'next' })
        : Promise.reject(new Error('api down'));
    await expect(
      readNewMessages(fetchPage, 'c', seen, (items) => got.push(...items.map((m) => m.id))),
    ).rejects.toThrow('api down');
    expect(got).toEqual(['m1', 'm0']);
  });
});

describe('watchArrivals', () => {
  it('records when each expected text was first visible, across conversations, and stops when all are', async () => {
    const api = fakeApi(50);
    let time = 0;
    const tracker = createArrivalTracker(['x1', 'x2', 'x3']);
    // the "system" delivers one message per round, in a different conversation each time
    const schedule: [string, MessageItem][] = [
      ['c1', text('a', 'x1')],
      ['c2', text('b', 'other text')],
      ['c2', text('c', 'x2')],
      ['c1', text('d', 'x3')],
    ];
    const result = await watchArrivals({
      fetchPage: api.fetchPage,
      conversationIds: ['c1', 'c2'],
      tracker,
      intervalMs: 25,
      fullReadEveryMs: 1_000,
      deadline: 10_000,
      now: () => time,
      sleep: (ms) => {
        time += ms;
        const next = schedule.shift();
        if (next !== undefined) api.add(...next);
        return Promise.resolve();
      },
    });
    expect(tracker.done()).toBe(true);
    expect([tracker.arrivedAt('x1'), tracker.arrivedAt('x2'), tracker.arrivedAt('x3')]).toEqual([
      25, 75, 100,
    ]);
    expect(result).toEqual({ rounds: 5, pollErrors: 0 });
  });

  it('gives up at the deadline with the missing texts still missing, counting failed polls', async () => {
    let time = 0;
    const tracker = createArrivalTracker(['never']);
    const result = await watchArrivals({
      fetchPage: () => Promise.reject(new Error('503')),
      conversationIds: ['c1'],
      tracker,
      intervalMs: 100,
      fullReadEveryMs: 1_000,
      deadline: 1_000,
      now: () => time,
      sleep: (ms) => {
        time += ms;
        return Promise.resolve();
      },
    });
    expect(tracker.missing()).toEqual(['never']);
    expect(result.pollErrors).toBe(result.rounds);
    expect(time).toBe(1_000);
  });
});
