// The outbound sender: one `wa.outbound.requested.v1` command → one Graph API call (retried inside
// here for Meta's retryable errors) → one `wa.outbound.result.v1` through the outbox. It runs in
// the idempotent consumer's transaction: the outcome row, the result event and the processed-event
// mark commit together, and a repeated request (same idempotency key) reports the first outcome
// again without sending.
//
// Known gap (README): Meta's acceptance happens outside the transaction. A crash after Meta accepted
// and before the commit makes the redelivered command send again. The send ledger of a later issue
// closes it by committing a `pending` row before the call (see `sendOnce` below, where it goes).
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
import { type PoolClient } from '@careline/db';
import { type Logger, invalidArgument } from '@careline/runtime';
import { GraphApiError, type GraphClient, OutboundValidationError } from '@careline/whatsapp';
import { type ChannelRegistry } from '../channels/registry';
import { GATEWAY_SCHEMA } from '../db/migrations';
import { EVENT_SOURCE } from '../events';
import { findOutcome, recordOutcome } from '../db/outbound-outcomes';
import { type GatewayMetrics } from '../metrics';
import { BuildRequestError, type GraphRequest, buildGraphRequest } from '../outbound/build-request';

export interface RetryPolicy {
  /** Graph calls per command, the first included. */
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

export interface SendOutboundDeps {
  registry: ChannelRegistry;
  sealer: Sealer;
  graph: Pick<GraphClient, 'sendMessage' | 'markRead'>;
  metrics: GatewayMetrics;
  logger: Logger;
  retry: RetryPolicy;
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

type Outcome = { accepted: true; wamid: string; attempts: number } | { accepted: false; failed: OutboundFailed; attempts: number; reason: string };

/** Worst-case time one command may spend in Graph calls and backoff (for pool and group timeouts). */
export function worstCaseSendMs(retry: RetryPolicy, graphTimeoutMs: number): number {
  let total = retry.maxAttempts * graphTimeoutMs;
  for (let attempt = 1; attempt < retry.maxAttempts; attempt += 1) total += backoffCeiling(retry, attempt);
  return total;
}

function backoffCeiling(retry: RetryPolicy, attempt: number): number {
  return Math.min(retry.maxMs, retry.baseMs * 2 ** (attempt - 1));
}

export function createSendOutbound(deps: SendOutboundDeps) {
  const { registry, sealer, graph, metrics, logger, retry } = deps;
  const clock = deps.clock ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = deps.random ?? Math.random;

  /** Equal jitter: half the exponential step for sure, the other half at random. */
  const delay = (attempt: number): number => {
    const ceiling = backoffCeiling(retry, attempt);
    return Math.round(ceiling / 2 + random() * (ceiling / 2));
  };

  function failure(code: string, title: string, details = ''): OutboundFailed {
    return { metaErrorCode: 0, title, details, retryable: false, httpStatus: 0, code };
  }

  function fromGraphError(error: GraphApiError): OutboundFailed {
    if (error.code !== undefined) {
      return {
        metaErrorCode: error.code,
        // Meta's message is "(#<code>) <title>"; the code has its own field.
        title: (error.title ?? '').replace(/^\(#\d+\)\s*/, ''),
        details: error.details ?? '',
        retryable: error.retryable,
        httpStatus: error.httpStatus ?? 0,
        code: '',
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
      retryable: error.retryable,
      httpStatus: error.httpStatus ?? 0,
      code,
    };
  }

  /** One Graph call, retried in place for retryable errors, bounded by the policy. */
  async function callWithRetries(request: GraphRequest, phoneNumberId: string, accessToken: string): Promise<Outcome> {
    for (let attempt = 1; ; attempt += 1) {
      const started = performance.now();
      try {
        if (request.kind === 'mark_read') {
          await graph.markRead(phoneNumberId, accessToken, request.wamid, { typingIndicator: request.typingIndicator });
          metrics.graphCall((performance.now() - started) / 1000, 'ok');
          // Mark-as-read creates no message, so there is no new wamid to report.
          return { accepted: true, wamid: '', attempts: attempt };
        }
        const sent = await graph.sendMessage(phoneNumberId, accessToken, request.body);
        metrics.graphCall((performance.now() - started) / 1000, 'ok');
        return { accepted: true, wamid: sent.wamid, attempts: attempt };
      } catch (error) {
        if (error instanceof OutboundValidationError) {
          return { accepted: false, failed: failure('invalid_message', 'The message breaks a Send API rule.', error.rules.join(', ')), attempts: attempt, reason: 'invalid_message' };
        }
        if (!(error instanceof GraphApiError)) throw error;
        metrics.graphCall((performance.now() - started) / 1000, error.kind);
        if (!error.retryable || attempt >= retry.maxAttempts) {
          return { accepted: false, failed: fromGraphError(error), attempts: attempt, reason: error.kind };
        }
        metrics.graphRetry(error.kind);
        logger.warn({ attempt, kind: error.kind, code: error.code, http_status: error.httpStatus }, 'graph call failed; retrying');
        await sleep(delay(attempt));
      }
    }
  }

  /** Decides the command: the channel, the body, the call. Never throws for Meta's or the command's faults. */
  async function sendOnce(command: OutboundRequestedV1): Promise<Outcome> {
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
    // Send ledger (later issue): commit a `pending` row for (tenant, idempotency key) here, in its
    // own transaction, and treat a pending row found on redelivery as "maybe sent".
    return callWithRetries(request, channel.phoneNumberId, channel.accessToken);
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

    const outcome = await sendOnce(command);
    const result: OutboundResultV1 = {
      tenantId,
      messageId: command.messageId,
      idempotencyKey,
      phoneNumberId: command.phoneNumberId,
      recipientWaIdHash: command.recipientWaIdHash,
      completedAt: clock(),
      attempts: outcome.attempts,
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
      logger.info({ ...ids, wamid: outcome.wamid, attempts: outcome.attempts }, 'message accepted by Meta');
    } else {
      metrics.outboundResult('failed', outcome.reason);
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
