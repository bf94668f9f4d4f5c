// GET /v1/stream: the inbox's live events over a WebSocket, for the staff of the token's tenant
// only. Each event is one JSON text frame carrying its `seq`; a client that reconnects with
// `?after=<last seq>` gets exactly what it missed (messaging keeps the events, WatchInbox replays
// them). The api holds no state: each socket is one WatchInbox call on messaging, re-opened from
// the last seq when messaging ends it (a restart, another instance), so a messaging deploy does not
// drop the console's socket.
//
// Authentication happens before the upgrade (a refusal is an ordinary 401/403 problem response):
// browsers cannot set headers on a WebSocket, so the token rides in `Sec-WebSocket-Protocol`
// (`careline.inbox.v1, bearer.<token>`; the server answers `careline.inbox.v1`, never echoing the
// token), or, for other clients, in `Authorization: Bearer`. Never in the URL, which proxies log.
// The socket closes when the token expires (4401), on a resume point too old (4410), and when the
// client does not answer pings.
import websocket from '@fastify/websocket';
import type { Principal, TokenVerifier } from '@careline/auth';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from '@careline/runtime';
import { PROBLEM_CONTENT_TYPE, invalidArgument } from '@careline/runtime';
import { z } from 'zod';
import type { WebSocket } from 'ws';
import type { AccessAudit } from '../auth/access-audit';
import { asAuthFailure, callerOf, requirePermission } from '../auth/principal';
import type { InboxStreamHandle, MessagingClient } from '../grpc/messaging-client';
import type { Router } from '../http/router';
import { streamEventSchema, toStreamEvent } from '../schemas/inbox-stream';

export const STREAM_PATH = '/v1/stream';
export const STREAM_PROTOCOL = 'careline.inbox.v1';
const BEARER_PROTOCOL_PREFIX = 'bearer.';

/** Close codes (4000–4999 are the application's). */
export const CLOSE_CODES = {
  tokenExpired: 4401,
  resumeExpired: 4410,
  forbidden: 4403,
  /** The client reads too slowly; reconnect with `after`. */
  slowConsumer: 4408,
  upstreamFailed: 1011,
} as const;

export interface StreamOptions {
  app: FastifyInstance;
  router: Router;
  verifier: TokenVerifier;
  accessAudit?: AccessAudit;
  messaging: MessagingClient;
  logger: Logger;
  clock: () => Date;
  /** Keepalive ping interval; a client that has not answered the previous ping is dropped. Default 25 s. */
  pingIntervalMs?: number;
  /** Delay before WatchInbox is re-opened after messaging ended it. Default 500 ms (doubling to 5 s). */
  reconnectDelayMs?: number;
  /** Frames buffered for a client beyond which it is dropped (4408). Default 4 MiB. */
  maxBufferedBytes?: number;
}

const querySchema = z.object({
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
});

/** The bearer token from the subprotocol list or the Authorization header (as an Authorization value). */
function authorizationOf(request: FastifyRequest): string | undefined {
  const offered = (request.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
  if (offered !== undefined) return `Bearer ${offered.slice(BEARER_PROTOCOL_PREFIX.length)}`;
  return request.headers.authorization;
}

export async function registerStreamRoute(options: StreamOptions): Promise<void> {
  const { app, router, verifier, accessAudit, messaging, logger, clock } = options;
  const pingIntervalMs = options.pingIntervalMs ?? 25_000;
  const reconnectDelayMs = options.reconnectDelayMs ?? 500;
  const maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  const principals = new WeakMap<FastifyRequest, { principal: Principal; after: number }>();

  await app.register(websocket, {
    options: {
      // the client sends nothing but pongs
      maxPayload: 1024,
      // choose our protocol, never the bearer one (the token must not be echoed in the response)
      handleProtocols: (protocols: Set<string>) => (protocols.has(STREAM_PROTOCOL) ? STREAM_PROTOCOL : false),
    },
  });

  app.route({
    method: 'GET',
    url: STREAM_PATH,
    // before the upgrade: a refusal is a plain problem+json response
    onRequest: async (request, reply) => {
      const facts = { route: `GET ${STREAM_PATH}`, ip: request.ip };
      const authorization = authorizationOf(request);
      let principal: Principal;
      try {
        principal = await verifier.verify(authorization);
      } catch (error) {
        const failure = asAuthFailure(error);
        void reply.header('www-authenticate', 'Bearer realm="careline"');
        const code = (failure as { code?: unknown }).code;
        if (typeof code === 'string' && code !== 'token_missing') await accessAudit?.refused(code, authorization, facts);
        throw failure;
      }
      await accessAudit?.authenticated(principal, facts);
      try {
        requirePermission(principal, 'conversations:read');
      } catch (error) {
        await accessAudit?.denied(principal, 'conversations:read', facts);
        throw error;
      }
      const query = querySchema.safeParse(request.query);
      if (!query.success) {
        throw invalidArgument('invalid_request', 'The request is not valid.', {
          details: { errors: [{ path: 'query/after', message: 'must be a seq (a non-negative integer)' }] },
        });
      }
      principals.set(request, { principal, after: query.data.after });
    },
    handler: (_request, reply) =>
      // a plain GET (no upgrade) on the stream
      reply.code(426).header('upgrade', 'websocket').type(PROBLEM_CONTENT_TYPE).send({
        type: 'urn:careline:problem:upgrade_required',
        title: 'Upgrade Required',
        status: 426,
        code: 'upgrade_required',
        detail: 'Connect with a WebSocket.',
      }),
    wsHandler: (socket: WebSocket, request: FastifyRequest) => {
      const entry = principals.get(request);
      if (entry === undefined) {
        socket.close(CLOSE_CODES.forbidden, 'unauthenticated');
        return;
      }
      serveSocket(socket, entry.principal, entry.after);
    },
  });

  function serveSocket(socket: WebSocket, principal: Principal, after: number): void {
    const log = logger.child({ component: 'stream', tenant_id: principal.tenantId, subject: principal.subject });
    let lastSeq = after;
    let stream: InboxStreamHandle | undefined;
    let closed = false;
    let retryDelay = reconnectDelayMs;
    // set below; cleared together by cleanup()
    const timers: { retry?: NodeJS.Timeout; expiry?: NodeJS.Timeout; ping?: NodeJS.Timeout } = {};
    let alive = true;

    const close = (code: number, reason: string): void => {
      if (closed) return;
      closed = true;
      cleanup();
      socket.close(code, reason);
    };
    const cleanup = (): void => {
      closed = true;
      stream?.cancel();
      stream = undefined;
      clearTimeout(timers.retry);
      clearTimeout(timers.expiry);
      clearInterval(timers.ping);
    };

    // the token's lifetime bounds the socket's: a client refreshes its token and reconnects with `after`
    timers.expiry = setTimeout(() => close(CLOSE_CODES.tokenExpired, 'token_expired'), Math.max(0, principal.expiresAt.getTime() - clock().getTime()));
    timers.ping = setInterval(() => {
      if (!alive) {
        log.debug('stream client did not answer the ping; dropping it');
        cleanup();
        socket.terminate();
        return;
      }
      alive = false;
      socket.ping();
    }, pingIntervalMs);
    socket.on('pong', () => {
      alive = true;
    });
    socket.on('close', cleanup);
    socket.on('error', cleanup);

    const open = (): void => {
      if (closed) return;
      stream = messaging.watchInbox(callerOf(principal), { afterSeq: lastSeq }, {
        onEvent(event) {
          if (closed) return;
          // closing already (its 'close' event comes once the TCP connection is gone)
          if (socket.readyState !== socket.OPEN) {
            cleanup();
            return;
          }
          retryDelay = reconnectDelayMs;
          if (event.seq <= lastSeq) return; // a replay overlapping what was sent: never twice
          const frame = toStreamEvent(event, clock());
          lastSeq = event.seq;
          if (frame === undefined) return;
          if (socket.bufferedAmount > maxBufferedBytes) {
            close(CLOSE_CODES.slowConsumer, 'slow_consumer');
            return;
          }
          socket.send(JSON.stringify(frame));
        },
        onEnd(error) {
          stream = undefined;
          if (closed) return;
          if (error === undefined || error.kind === 'unavailable') {
            // messaging restarted or went away: open the stream again from the last seq sent
            timers.retry = setTimeout(open, retryDelay);
            retryDelay = Math.min(retryDelay * 2, 5_000);
            return;
          }
          if (error.code === 'inbox_resume_expired') close(CLOSE_CODES.resumeExpired, 'resume_expired');
          else if (error.kind === 'permission_denied') close(CLOSE_CODES.forbidden, error.code);
          else {
            log.warn({ code: error.code }, 'inbox stream failed');
            close(CLOSE_CODES.upstreamFailed, 'upstream_failed');
          }
        },
      });
    };
    socket.send(JSON.stringify({ type: 'hello', after, expiresAt: principal.expiresAt.toISOString() }));
    open();
  }

  router.document({
    method: 'GET',
    path: STREAM_PATH,
    operationId: 'inboxStream',
    summary: 'Live inbox events (WebSocket)',
    description: [
      "A WebSocket of the token's hospital's inbox events: new messages, delivery statuses, assignments, state changes, notes, reads. ",
      `Authenticate with the subprotocols \`${STREAM_PROTOCOL}, bearer.<token>\` (browsers) or \`Authorization: Bearer\`; the server selects \`${STREAM_PROTOCOL}\`. `,
      'The first frame is `{"type":"hello","after","expiresAt"}`; then one `InboxStreamEvent` per frame, `seq` strictly increasing. ',
      'Reconnect with `?after=<seq of the last event handled>` to receive exactly the missed events. ',
      `Close codes: ${CLOSE_CODES.tokenExpired} token expired (refresh, reconnect with after), ${CLOSE_CODES.resumeExpired} events after that seq no longer kept (reload the inbox, reconnect without after), `,
      `${CLOSE_CODES.forbidden} not allowed, ${CLOSE_CODES.slowConsumer} the client read too slowly (reconnect with after). The server pings every 25 s.`,
    ].join(''),
    tags: ['inbox'],
    access: { permission: 'conversations:read' },
    upstream: true,
    query: querySchema,
    response: { status: 101, description: 'Switching protocols; then one JSON text frame per event.', schema: streamEventSchema },
  });
}
