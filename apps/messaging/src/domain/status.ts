// Delivery status of outbound messages. Meta reports sent / delivered / read / failed as separate
// webhooks that may arrive late, twice, or in any order (and the gateway's result may come after
// them). The merge is therefore a join on a total order, queued < sent < delivered < read <
// failed: the outcome is the same whatever order and however often the reports arrive
// (commutative, associative, idempotent), which the tests check over every permutation.
// `failed` on top makes it terminal: a `delivered` from a second device after a failure does not
// resurrect the message, and a `failed` after `read` wins as well (the order of arrival must not
// decide).
import { UNKNOWN_FAILURE } from './failure-reasons';

export const MESSAGE_STATES = ['received', 'queued', 'sent', 'delivered', 'read', 'failed'] as const;
export type MessageStateName = (typeof MESSAGE_STATES)[number];

export type OutboundState = Exclude<MessageStateName, 'received'>;
/** What a status report or a gateway result can say about a message. */
export type ReportedStatus = Exclude<OutboundState, 'queued'>;

const RANK: Record<OutboundState, number> = { queued: 0, sent: 1, delivered: 2, read: 3, failed: 4 };

export function isOutboundState(state: MessageStateName): state is OutboundState {
  return state !== 'received';
}

export interface StatusTimestamps {
  sent: Date | null;
  delivered: Date | null;
  read: Date | null;
  failed: Date | null;
}

/** The delivery facts of one outbound message, as stored. */
export interface DeliveryState {
  state: OutboundState;
  stateAt: Date;
  /** Set exactly when state is `failed`. */
  failure: { code: string; reason: string } | null;
  /** First report of each status, by Meta's timestamp. */
  at: StatusTimestamps;
}

/** One report: a status webhook, or the gateway's failed result. */
export interface StatusReport {
  status: ReportedStatus;
  at: Date;
  /** Required for `failed`. */
  failure?: { code: string; reason: string };
}

function earliest(a: Date | null, b: Date): Date {
  return a === null || b.getTime() < a.getTime() ? b : a;
}

/** Merges one report into the current state (see the top of this file). Pure. */
export function mergeStatus(current: DeliveryState, report: StatusReport): DeliveryState {
  const at: StatusTimestamps = { ...current.at, [report.status]: earliest(current.at[report.status], report.at) };
  const incoming = RANK[report.status];
  const existing = RANK[current.state];
  if (incoming < existing) return { ...current, at };
  if (incoming > existing) {
    return {
      state: report.status,
      stateAt: report.at,
      failure: report.status === 'failed' ? (report.failure ?? UNKNOWN_FAILURE) : null,
      at,
    };
  }
  // The same state reported again: keep the earliest report of it, so that the result does not
  // depend on which duplicate came first.
  if (report.at.getTime() < current.stateAt.getTime()) {
    return {
      state: current.state,
      stateAt: report.at,
      failure: report.status === 'failed' ? (report.failure ?? current.failure ?? UNKNOWN_FAILURE) : current.failure,
      at,
    };
  }
  return { ...current, at };
}

/** A freshly queued outbound message. */
export function queuedState(at: Date): DeliveryState {
  return { state: 'queued', stateAt: at, failure: null, at: { sent: null, delivered: null, read: null, failed: null } };
}
