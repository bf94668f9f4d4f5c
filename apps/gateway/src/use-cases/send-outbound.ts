// The outbound sender: one `wa.outbound.requested.v1` command → Graph API calls (at WhatsApp's
// limits, retried here for Meta's retryable errors) → one `wa.outbound.result.v1` through the
// outbox. It runs in the idempotent consumer's transaction: the outcome row, the result event and
// the processed-event mark commit together, and a repeated request (same idempotency key) reports
// the first outcome again without sending.
//
// Meta's acceptance happens outside that transaction, so the send ledger (db/send-ledger.ts)
// brackets the call with two short transactions of its own: `pending` committed before the first
// call, `accepted`/`failed` committed as soon as Meta answered. A redelivered command (the
// consumer's transaction rolled back, or the process died before it committed) whose ledger row is
// `accepted` is reported from the ledger: Meta is not called again. Only a death between Meta's
// acceptance and the ledger's commit (milliseconds) leaves `pending`; that command is sent again
// and reported as a possible duplicate (README, "Send ledger").
//
// Limits (outbound/throttle.ts) are waited for before every call, inside this handler: the
// consumer runs a recipient's commands in order, so waiting here is what holds that recipient (and
// the partition's committed offset) back. When 130429 outlasts every in-place attempt, the command
// is handed back to the consumer as `unavailable`: it then waits with heartbeats and retries,
// nothing is dropped.
import { enqueue } from '@careline/bus';
import {
  EVENT_KEYS,
  type OutboundFailed,
  type OutboundRequestedV1,
  OutboundResultV1,
  TOPICS,
  outboundResultEvent,
  sealContext,
} from '@careline/contracts';
import { type Sealer } from '@careline/crypto';
import { type Pool, type PoolClient, withTenant } from '@careline/db';
import { type Logger, invalidArgument, unavailable } from '@careline/runtime';
import { GraphApiError, type GraphClient, OutboundValidationError } from '@careline/whatsapp';
import { type ChannelRegistry } from '../channels/registry';
import { GATEWAY_SCHEMA } from '../db/migrations';
import { EVENT_SOURCE } from '../events';
import { findOutcome, recordOutcome } from '../db/outbound-outcomes';
import { type LedgerKey, claimSend, settleSend } from '../db/send-ledger';
import { type GatewayMetrics } from '../metrics';
import { BuildRequestError, type GraphRequest, buildGraphRequest } from '../outbound/build-request';
import { type GraphFailure, errorAction, explainFailure } from '../outbound/error-policy';
import { type SendThrottle } from '../outbound/throttle';

export interface RetryPolicy {
  /** Graph calls per command, the first included. */
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

/** Test seams: a hook that throws behaves like the process dying at that point. */
export interface SendFaults {
  /** After the ledger recorded Meta's answer, before the consumer's transaction commits. */
  afterLedgerSettled?: (ids: { messageId: string; state: 'accepted' | 'failed' }) => Promise<void>;
}

export interface SendOutboundDeps {
  /** For the send ledger's own short transactions (never the consumer's). */
  pool: Pool;
  registry: ChannelRegistry;
  sealer: Sealer;
  graph: Pick<GraphClient, 'sendMessage' | 'markRead'>;
  metrics: GatewayMetrics;
  logger: Logger;
  retry: RetryPolicy;
  /** WhatsApp's throughput and pair limits, waited for before every Graph call. */
  throttle: SendThrottle;
  faults?: SendFaults;
  clock?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** [0, 1); the jitter source. */
  random?: () => number;
}

/** What the consumer hands over: the transaction and the envelope's tenant. */
export interface CommandContext {
  client: PoolClient;
  tenantId: string;
}

type Outcome = (
  | { accepted: true; wamid: string; attempts: number }
  | { accepted: false; failed: OutboundFailed; attempts: number; reason: string }
) & {
  /** The command may have reached Meta twice (a pending ledger row, or a retry after a timeout). */
  possibleDuplicate?: boolean;
};

/** What the Graph calls of one delivery came to. */
type CallOutcome =
  | { kind: 'accepted'; wamid: string; attempts: number; afterTimeout: boolean }
  | { kind: 'failed'; failed: OutboundFailed; attempts: number; reason: string; metaRefused: boolean }
  /** 130429 through every attempt: the number is over its limit; the partition should wait. */
  | { kind: 'throttled'; attempts: number };

/**
 * Worst-case time one command may spend in Graph calls, backoff and limit waits (for the pool's
 * idle-in-transaction limit and the consumer group's rebalance timeout, which waits for commands in flight).
 * `throttleWaitMs` bounds the waits before one call.
 */
export function worstCaseSendMs(retry: RetryPolicy, graphTimeoutMs: number, throttleWaitMs = 0): number {
  let total = retry.maxAttempts * (graphTimeoutMs + throttleWaitMs);
  for (let attempt = 1; attempt < retry.maxAttempts; attempt += 1) total += backoffCeiling(retry, attempt);
  return total;
}

function backoffCeiling(retry: RetryPolicy, attempt: number): number {
  return Math.min(retry.maxMs, retry.baseMs * 2 ** (attempt - 1));
}

export function createSendOutbound(deps: SendOutboundDeps) {
  const { pool, registry, sealer, graph, metrics, logger, retry, throttle } = deps;
  const clock = deps.clock ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = deps.random ?? Math.random;

  /** Equal jitter: half the exponential step for sure, the other half at random. */
  const delay = (attempt: number): number => {
    const ceiling = backoffCeiling(retry, attempt);
    return Math.round(ceiling / 2 + random() * (ceiling / 2));
  };

  function failure(code: string, title: string, details = ''): OutboundFailed {
    return { metaErrorCode: 0, title, details, retryable: false, httpStatus: 0, code, explanation: explainFailure({ metaErrorCode: 0, code }) };
  }

  function graphFailure(error: GraphApiError): GraphFailure {
    const local =
      error.code !== undefined
        ? undefined
        : error.reason === 'timeout'
          ? 'timeout'
          : error.reason === 'network error'
            ? 'network'
            : error.kind === 'unexpected_response'
              ? 'unexpected_response'
              : undefined;
    return { code: error.code, httpStatus: error.httpStatus, local };
  }

  function fromGraphError(error: GraphApiError): OutboundFailed {
    // The gateway's own table decides retrying (outbound/error-policy.ts); `retryable` tells the
    // requester whether a new request could succeed later.
    const retryable = errorAction(graphFailure(error)) !== 'fail';
    if (error.code !== undefined) {
      return {
        metaErrorCode: error.code,
        // Meta's message is "(#<code>) <title>"; the code has its own field.
        title: (error.title ?? '').replace(/^\(#\d+\)\s*/, ''),
        details: error.details ?? '',
        retryable,
        httpStatus: error.httpStatus ?? 0,
        code: '',
        explanation: explainFailure({ metaErrorCode: error.code, code: '' }),
      };
    }
    const code =
      error.reason === 'timeout'
        ? 'timeout'
        : error.reason === 'network error'
          ? 'network_error'
          : error.kind === 'unexpected_response'
            ? 'unexpected_response'
            : error.kind === 'auth'
              ? 'invalid_credentials'
              : error.httpStatus !== undefined
                ? 'graph_http_error'
                : 'invalid_request';
    return {
      metaErrorCode: 0,
      title: error.reason ?? error.kind,
      details: '',
      retryable,
      httpStatus: error.httpStatus ?? 0,
      code,
      explanation: explainFailure({ metaErrorCode: 0, code }),
    };
  }

  /**
   * Graph calls for one delivery: each waits for the limits first; retryable errors are retried in
   * place up to the policy's attempts. Never throws for Meta's faults.
   */
  async function callWithRetries(request: GraphRequest, phoneNumberId: string, accessToken: string, recipientKey: string): Promise<CallOutcome> {
    let afterTimeout = false;
    for (let attempt = 1; ; attempt += 1) {
      await throttle.acquire(phoneNumberId, request.kind === 'mark_read' ? undefined : recipientKey);
      const started = performance.now();
      try {
        if (request.kind === 'mark_read') {
          await graph.markRead(phoneNumberId, accessToken, request.wamid, { typingIndicator: request.typingIndicator });
          metrics.graphCall((performance.now() - started) / 1000, 'ok');
          // Mark-as-read creates no message, so there is no new wamid to report.
          return { kind: 'accepted', wamid: '', attempts: attempt, afterTimeout };
        }
        const sent = await graph.sendMessage(phoneNumberId, accessToken, request.body);
        metrics.graphCall((performance.now() - started) / 1000, 'ok');
        throttle.accepted(phoneNumberId, recipientKey);
        return { kind: 'accepted', wamid: sent.wamid, attempts: attempt, afterTimeout };
      } catch (error) {
        if (error instanceof OutboundValidationError) {
          // Refused by the client before anything left: nothing reached Meta.
          const failed = failure('invalid_message', 'The message breaks a Send API rule.', error.rules.join(', '));
          return { kind: 'failed', failed, attempts: attempt, reason: 'invalid_message', metaRefused: true };
        }
        if (!(error instanceof GraphApiError)) throw error;
        metrics.graphCall((performance.now() - started) / 1000, error.kind);
        const cause = graphFailure(error);
        const action = errorAction(cause);
        if (error.code === 130429 || error.code === 131056) metrics.limitError(error.code === 130429 ? '130429' : '131056');
        // Only a timeout leaves Meta's side unknown: the request may have been accepted.
        const unknown = cause.local === 'timeout' || cause.local === 'unexpected_response';
        if (action === 'fail') {
          return { kind: 'failed', failed: fromGraphError(error), attempts: attempt, reason: error.kind, metaRefused: !unknown };
        }
        if (attempt >= retry.maxAttempts) {
          if (action === 'throttle_number') return { kind: 'throttled', attempts: attempt };
          return { kind: 'failed', failed: fromGraphError(error), attempts: attempt, reason: error.kind, metaRefused: !unknown };
        }
        if (unknown) afterTimeout = true;
        metrics.graphRetry(error.kind);
        logger.warn({ attempt, kind: error.kind, code: error.code, http_status: error.httpStatus, action }, 'graph call failed; retrying');
        switch (action) {
          case 'throttle_number': {
            // The wait happens in the next acquire(): the whole number pauses, not just this command.
            const rate = throttle.throughputLimited(phoneNumberId, delay(attempt));
            metrics.sendRate(phoneNumberId, rate);
            break;
          }
          case 'throttle_pair':
            // Only this recipient is blocked (4^X s); the next acquire() waits for it.
            throttle.pairLimited(phoneNumberId, recipientKey);
            break;
          case 'retry':
            await sleep(delay(attempt));
            break;
        }
      }
    }
  }

  /** Decides the command: the channel, the body, the ledger, the calls. Never throws for Meta's or the command's faults. */
  async function sendOnce(command: OutboundRequestedV1, key: LedgerKey): Promise<Outcome> {
    const channel = registry.byPhoneNumberId(command.phoneNumberId);
    // A number of another tenant is as unknown as a number nobody registered.
    if (channel === undefined || channel.tenantId !== command.tenantId) {
      return { accepted: false, failed: failure('unknown_channel', 'The sending number is not registered for this tenant.'), attempts: 0, reason: 'unknown_channel' };
    }
    let request: GraphRequest;
    try {
      const context = sealContext(TOPICS.outboundRequested, command.messageId);
      request = await buildGraphRequest(command, (sealed) => sealer.openString(command.tenantId, sealed, context));
    } catch (error) {
      if (!(error instanceof BuildRequestError)) throw error;
      const titles: Record<typeof error.code, string> = {
        unsupported_message_type: 'The gateway cannot send this kind of message.',
        invalid_message: 'The message breaks a Send API rule.',
        sealed_content_unreadable: 'The sealed content could not be opened.',
      };
      return { accepted: false, failed: failure(error.code, titles[error.code], error.details), attempts: 0, reason: error.code };
    }

    // Committed before the first call: whatever happens to this process or transaction from here,
    // the next delivery knows a send was under way.
    const before = await withTenant(pool, key.tenantId, (client) => claimSend(client, { ...key, messageId: command.messageId }));
    const ids = { tenant_id: key.tenantId, message_id: command.messageId, phone_number_id: command.phoneNumberId };
    if (before?.state === 'accepted') {
      metrics.ledgerReplay();
      logger.info(ids, 'redelivered send: Meta had accepted it (send ledger); not sent again');
      return { accepted: true, wamid: before.wamid ?? '', attempts: before.attempts };
    }
    const resend = before?.state === 'pending';
    if (resend) {
      metrics.possibleDuplicate('ledger_pending');
      logger.warn(ids, 'redelivered send found pending in the send ledger: Meta may have accepted it; sending again');
    }

    const called = await callWithRetries(request, channel.phoneNumberId, channel.accessToken, command.recipientWaIdHash);
    if (called.kind === 'throttled') {
      // Meta did not take it: the ledger says so, and the partition waits instead of failing it.
      await withTenant(pool, key.tenantId, (client) => settleSend(client, key, { state: 'failed', attempts: called.attempts }));
      metrics.partitionPaused();
      logger.warn({ ...ids, attempts: called.attempts }, 'number over its throughput limit after every attempt; partition waits');
      throw unavailable('whatsapp_throughput_limited', 'The sending number is over its WhatsApp throughput limit.', { retryable: true });
    }
    // Recorded as soon as Meta answered: from here a redelivery reports instead of sending again.
    // A failure whose fate at Meta is unknown (a timeout) stays pending, so a redelivery counts it.
    if (called.kind === 'accepted' || called.metaRefused) {
      const settled = called.kind === 'accepted' ? { state: 'accepted' as const, wamid: called.wamid, attempts: called.attempts } : { state: 'failed' as const, attempts: called.attempts };
      await withTenant(pool, key.tenantId, (client) => settleSend(client, key, settled));
      await deps.faults?.afterLedgerSettled?.({ messageId: command.messageId, state: settled.state });
    }
    if (called.kind === 'accepted') {
      if (called.afterTimeout) metrics.possibleDuplicate('timeout_retry');
      return { accepted: true, wamid: called.wamid, attempts: called.attempts, possibleDuplicate: resend || called.afterTimeout };
    }
    return { accepted: false, failed: called.failed, attempts: called.attempts, reason: called.reason, possibleDuplicate: resend };
  }

  return async function sendOutbound(command: OutboundRequestedV1, ctx: CommandContext): Promise<void> {
    // Commands that cannot even carry a routable result are the producer's bug: dead-lettered.
    if (command.tenantId.toLowerCase() !== ctx.tenantId.toLowerCase()) {
      throw invalidArgument('tenant_mismatch', 'The command tenant differs from its envelope tenant.', { retryable: false });
    }
    for (const [field, value] of [
      ['message_id', command.messageId],
      ['phone_number_id', command.phoneNumberId],
      ['recipient_wa_id_hash', command.recipientWaIdHash],
    ] as const) {
      if (value === '') throw invalidArgument('invalid_command', `The command lacks ${field}.`, { retryable: false });
    }
    const tenantId = ctx.tenantId.toLowerCase();
    const idempotencyKey = command.idempotencyKey === '' ? command.messageId : command.idempotencyKey;
    const ids = { tenant_id: tenantId, message_id: command.messageId, phone_number_id: command.phoneNumberId };

    const earlier = await findOutcome(ctx.client, tenantId, idempotencyKey);
    if (earlier !== undefined) {
      const result = OutboundResultV1.decode(earlier);
      await emit(ctx.client, { ...result, messageId: command.messageId });
      logger.info(ids, 'repeated send request: first outcome reported again, nothing sent');
      return;
    }

    const outcome = await sendOnce(command, { tenantId, idempotencyKey });
    const result: OutboundResultV1 = {
      tenantId,
      messageId: command.messageId,
      idempotencyKey,
      phoneNumberId: command.phoneNumberId,
      recipientWaIdHash: command.recipientWaIdHash,
      completedAt: clock(),
      attempts: outcome.attempts,
      ...(outcome.possibleDuplicate === true ? { possibleDuplicate: true } : {}),
      outcome: outcome.accepted ? { $case: 'accepted', value: { wamid: outcome.wamid } } : { $case: 'failed', value: outcome.failed },
    };
    await recordOutcome(ctx.client, {
      tenantId,
      idempotencyKey,
      messageId: command.messageId,
      outcome: outcome.accepted ? 'accepted' : 'failed',
      wamid: outcome.accepted ? outcome.wamid : undefined,
      result: OutboundResultV1.encode(result).finish(),
    });
    await emit(ctx.client, result);
    if (outcome.accepted) {
      metrics.outboundResult('accepted', 'ok');
      metrics.send('accepted', 'none');
      logger.info({ ...ids, wamid: outcome.wamid, attempts: outcome.attempts, possible_duplicate: outcome.possibleDuplicate === true }, 'message accepted by Meta');
    } else {
      metrics.outboundResult('failed', outcome.reason);
      metrics.send('failed', outcome.failed.metaErrorCode !== 0 || outcome.failed.code === '' ? String(outcome.failed.metaErrorCode) : outcome.failed.code);
      logger.warn(
        { ...ids, reason: outcome.reason, meta_error_code: outcome.failed.metaErrorCode, code: outcome.failed.code, attempts: outcome.attempts },
        'message not sent',
      );
    }
  };

  async function emit(client: PoolClient, result: OutboundResultV1): Promise<void> {
    await enqueue(client, GATEWAY_SCHEMA, outboundResultEvent, {
      key: EVENT_KEYS.outboundResult(result),
      tenantId: result.tenantId,
      payload: result,
      source: EVENT_SOURCE,
    });
  }
}
