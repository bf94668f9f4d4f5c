// When did each benchmark message become visible through the api? A watcher polls
// `GET /v1/conversations/{id}/messages` (newest first) of the conversations the messages go to and
// records the first time each expected text is seen. Reading only the new head of each list keeps
// the polling cheap (it competes for the same two cores as what it measures); a periodic full
// read catches a message whose transaction committed after a newer one (lists are ordered by
// creation time, which is not commit order).
import { z } from 'zod';

const MessageItemSchema = z.object({
  id: z.string(),
  content: z.looseObject({ type: z.string(), text: z.string().optional() }),
});
export const MessagesPageSchema = z.object({
  items: z.array(MessageItemSchema),
  nextCursor: z.string().nullable(),
});
export type MessagesPage = z.infer<typeof MessagesPageSchema>;
export type MessageItem = z.infer<typeof MessageItemSchema>;

/** One page of a conversation's messages, newest first; `cursor` undefined for the first page. */
export type FetchPage = (conversationId: string, cursor: string | undefined) => Promise<MessagesPage>;

/** Records the first sighting of each expected text. */
export interface ArrivalTracker {
  /** Returns true when `text` was expected and not seen before. */
  observe(text: string, at: number): boolean;
  arrivedAt(text: string): number | undefined;
  /** Expected texts not seen yet. */
  missing(): string[];
  done(): boolean;
}

export function createArrivalTracker(expected: Iterable<string>): ArrivalTracker {
  const arrivals = new Map<string, number | undefined>();
  for (const text of expected) arrivals.set(text, undefined);
  let pending = arrivals.size;
  return {
    observe(text, at) {
      if (!arrivals.has(text) || arrivals.get(text) !== undefined) return false;
      arrivals.set(text, at);
      pending -= 1;
      return true;
    },
    arrivedAt: (text) => arrivals.get(text),
    missing: () => [...arrivals].filter(([, at]) => at === undefined).map(([text]) => text),
    done: () => pending === 0,
  };
}

/**
 * Reads the messages of one conversation not in `seen`, pages newest first, until a page reaches a
 * message already seen (everything older was read before) or the list ends; with `full`, every
 * page. Each page's new messages go to `onFresh` as soon as the page is read (so a later page that
 * fails loses nothing) and into `seen`. Resolves to the number of new messages.
 */
export async function readNewMessages(
  fetchPage: FetchPage,
  conversationId: string,
  seen: Set<string>,
  onFresh: (items: MessageItem[]) => void,
  options: { full?: boolean; maxPages?: number } = {},
): Promise<number> {
  let count = 0;
  const maxPages = options.maxPages ?? 1_000;
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page += 1) {
    const { items, nextCursor } = await fetchPage(conversationId, cursor);
    let reachedSeen = false;
    const fresh: MessageItem[] = [];
    for (const item of items) {
      if (seen.has(item.id)) reachedSeen = true;
      else {
        seen.add(item.id);
        fresh.push(item);
      }
    }
    count += fresh.length;
    if (fresh.length > 0) onFresh(fresh);
    if (nextCursor === null || (reachedSeen && options.full !== true)) break;
    cursor = nextCursor;
  }
  return count;
}

export interface WatchOptions {
  fetchPage: FetchPage;
  conversationIds: readonly string[];
  tracker: ArrivalTracker;
  /** Pause between polling rounds. */
  intervalMs: number;
  /** A full read of every conversation this often. */
  fullReadEveryMs: number;
  /** Gives up (resolving) at this time, `now()` clock. */
  deadline: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Stops early when true (e.g. the phase failed). */
  cancelled?: () => boolean;
}

export interface WatchResult {
  rounds: number;
  /** Poll requests that failed (the round is retried; a failure is not an arrival). */
  pollErrors: number;
}

/**
 * Polls until every expected text was seen, the deadline passed or `cancelled()`. The arrival time
 * recorded is when the poll's answer came back: an upper bound, late by at most one round.
 */
export async function watchArrivals(options: WatchOptions): Promise<WatchResult> {
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const seen = new Map(options.conversationIds.map((id) => [id, new Set<string>()]));
  let rounds = 0;
  let pollErrors = 0;
  let lastFull = now();
  while (!options.tracker.done() && now() < options.deadline && options.cancelled?.() !== true) {
    const full = now() - lastFull >= options.fullReadEveryMs;
    if (full) lastFull = now();
    await Promise.all(
      options.conversationIds.map(async (conversationId) => {
        const seenHere = seen.get(conversationId) ?? new Set<string>();
        const observe = (items: MessageItem[]): void => {
          const at = now();
          for (const item of items) {
            if (item.content.type === 'text' && item.content.text !== undefined) {
              options.tracker.observe(item.content.text, at);
            }
          }
        };
        try {
          await readNewMessages(options.fetchPage, conversationId, seenHere, observe, { full });
        } catch {
          pollErrors += 1;
        }
      }),
    );
    rounds += 1;
    if (!options.tracker.done()) await sleep(options.intervalMs);
  }
  return { rounds, pollErrors };
}
