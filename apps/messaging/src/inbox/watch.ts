// WatchInbox: the tenant's inbox events in seq order, first those after the caller's `after_seq`
// (a reconnecting console misses nothing), then new ones as they commit. Events are read back from
// `inbox_events` by a short poll, so any messaging instance serves any api instance and nothing is
// lost between instances or across restarts; per-tenant seqs commit in order (db/inbox.ts), so a
// poll can never skip an event that commits later with a smaller seq. The views (conversation,
// message, note) are built at delivery, with the caller's access: a restricted conversation
// without the caller's break-glass grant comes without name, number, preview, message or note.
// Audited once per stream (`inbox.watch`), not per event.
import {
  type InboxEvent,
  InboxEventKind,
  type WatchInboxRequest,
} from '@careline/contracts';
import { type Queryable, withTenant } from '@careline/db';
import { failedPrecondition, invalidArgument } from '@careline/runtime';
import { setTimeout as sleep } from 'node:timers/promises';
import { activeGrants } from '../db/break-glass';
import { getConversation } from '../db/conversations';
import { type InboxEventKindName, type InboxEventRow, getNote, inboxSeqBounds, listInboxEventsAfter } from '../db/inbox';
import { findMessageInConversation } from '../db/messages';
import { AUDIT_ACTIONS, recordAudit } from '../use-cases/audit';
import { type TenantCaller } from '../use-cases/caller';
import { type UseCaseDeps } from '../use-cases/deps';
import { conversationView, messageView } from '../use-cases/views';
import { noteView } from './views';

export interface InboxSink {
  /** Aborted when the caller goes away (or the server stops). */
  signal: AbortSignal;
  /** Resolves when the event may be followed by the next one (backpressure). */
  write(event: InboxEvent): Promise<void>;
}

export type WatchInbox = (caller: TenantCaller, request: WatchInboxRequest, sink: InboxSink) => Promise<void>;

export interface WatchOptions {
  /** How often a caught-up stream looks for new events. */
  pollIntervalMs?: number;
  /** Events read per query. */
  batchSize?: number;
}

const KINDS: Record<InboxEventKindName, InboxEventKind> = {
  message_received: InboxEventKind.INBOX_EVENT_KIND_MESSAGE_RECEIVED,
  message_sent: InboxEventKind.INBOX_EVENT_KIND_MESSAGE_SENT,
  message_status: InboxEventKind.INBOX_EVENT_KIND_MESSAGE_STATUS,
  conversation_assigned: InboxEventKind.INBOX_EVENT_KIND_CONVERSATION_ASSIGNED,
  conversation_state: InboxEventKind.INBOX_EVENT_KIND_CONVERSATION_STATE,
  note_added: InboxEventKind.INBOX_EVENT_KIND_NOTE_ADDED,
  conversation_read: InboxEventKind.INBOX_EVENT_KIND_CONVERSATION_READ,
  conversation_linked: InboxEventKind.INBOX_EVENT_KIND_CONVERSATION_LINKED,
};

export function createWatchInbox(deps: UseCaseDeps, options: WatchOptions = {}): WatchInbox {
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const batchSize = options.batchSize ?? 100;
  return async (caller, request, sink) => {
    const afterSeq = request.afterSeq;
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) throw invalidArgument('invalid_after_seq', 'after_seq must be 0 or a seq from this stream.');
    const expired = await withTenant(deps.pool, caller.tenantId, async (client) => {
      const bounds = await inboxSeqBounds(client, caller.tenantId);
      const last = bounds?.last ?? 0;
      // resuming after events that were pruned, or after a seq this tenant never had (another
      // deployment, a restored database): the client must reload the inbox and start again
      const gone = afterSeq > last || (afterSeq > 0 && bounds !== undefined && (bounds.oldest === null ? afterSeq < last : bounds.oldest > afterSeq + 1));
      await recordAudit(client, caller, {
        action: AUDIT_ACTIONS.watchInbox,
        resource: { type: 'inbox_stream', id: '' },
        outcome: gone ? 'failure' : 'success',
        detail: gone ? { after_seq: String(afterSeq), reason: 'inbox_resume_expired' } : { after_seq: String(afterSeq) },
        at: deps.clock(),
      });
      return gone;
    });
    if (expired) {
      throw failedPrecondition('inbox_resume_expired', 'The events after that seq are no longer kept; reload the inbox and watch from 0.');
    }

    let after = afterSeq;
    while (!sink.signal.aborted) {
      const events = await withTenant(deps.pool, caller.tenantId, async (client) => {
        const rows = await listInboxEventsAfter(client, caller.tenantId, after, batchSize);
        const views: InboxEvent[] = [];
        for (const row of rows) views.push(await eventView(client, deps, caller, row));
        return views;
      });
      for (const event of events) {
        if (sink.signal.aborted) return;
        await sink.write(event);
        after = event.seq;
      }
      if (events.length < batchSize) {
        try {
          await sleep(pollIntervalMs, undefined, { signal: sink.signal });
        } catch {
          return; // aborted
        }
      }
    }
  };
}

async function eventView(client: Queryable, deps: UseCaseDeps, caller: TenantCaller, row: InboxEventRow): Promise<InboxEvent> {
  const now = deps.clock();
  const event: InboxEvent = {
    seq: row.seq,
    kind: KINDS[row.kind],
    conversationId: row.conversation_id,
    messageId: row.message_id ?? '',
    occurredAt: row.occurred_at,
    actor: row.actor,
    conversation: undefined,
    message: undefined,
    note: undefined,
    facts: row.facts,
  };
  const conversation = await getConversation(client, caller.tenantId, row.conversation_id);
  if (conversation === undefined) return event;
  const grant = conversation.restricted
    ? (await activeGrants(client, caller.tenantId, caller.actor, [conversation.id], now)).get(conversation.id)
    : undefined;
  const withheld = conversation.restricted && grant === undefined;
  event.conversation = await conversationView(deps.atRest, conversation, { ...(grant === undefined ? {} : { breakGlassUntil: grant.expires_at }), now });
  if (withheld) return event;
  if (row.message_id !== null) {
    const message = await findMessageInConversation(client, caller.tenantId, conversation.id, row.message_id);
    if (message !== undefined) event.message = await messageView(deps.atRest, message);
  }
  if (row.note_id !== null) {
    const note = await getNote(client, caller.tenantId, row.note_id);
    if (note !== undefined) event.note = await noteView(deps.atRest, note);
  }
  return event;
}
