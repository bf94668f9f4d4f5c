// Sign-ins, failed sign-ins and refusals at the api, as audit events (HIPAA 164.312(b) audit
// controls, 164.308(a)(5)(ii)(C) log-in monitoring). A bearer token has no login step, so a
// "login" is the first request made with a token: recorded once per token, with a ce_id derived
// from the token, so that several api instances (or a retry) record it once in the audit chain,
// which de-duplicates on ce_id. Failed sign-ins name the tenant the (unverified) token claims, so
// that hospital's auditors see attempts on it; a token that claims none goes to the platform's
// chain (the nil tenant). Refusals by the permission table are recorded with the route pattern.
//
// Failure policy: the login event must be accepted by Kafka before the first request is served
// (503 `audit_unavailable` otherwise; the client retries and nothing goes unrecorded). Failed
// sign-ins and refusals are recorded best-effort under a rate limit: an attacker's flood must not
// become the audit log's flood, so what the limit drops is counted in a metric instead.
import { createHash, randomUUID } from 'node:crypto';
import { CLAIMS, type Principal } from '@careline/auth';
import { type AuditEventV1, AuditActorType, AuditOutcome } from '@careline/contracts';
import { type Logger, unavailable } from '@careline/runtime';
import { Counter, type Registry } from 'prom-client';

/** The tenant of events that belong to no hospital (a token claiming none). */
export const PLATFORM_TENANT = '00000000-0000-0000-0000-000000000000';

export const ACCESS_ACTIONS = {
  login: 'auth.login',
  loginFailed: 'auth.login_failed',
  denied: 'access.denied',
} as const;

/** Where events go: the api's producer in production (acks=all), a list in tests. */
export type PublishAudit = (event: AuditEventV1, id: string) => Promise<void>;

export interface AccessAudit {
  /** A verified token was used; records `auth.login` the first time this token is seen. */
  authenticated(principal: Principal, source: RequestFacts): Promise<void>;
  /** A presented token was refused (`token_*` codes); best-effort. */
  refused(code: string, authorization: string | undefined, source: RequestFacts): Promise<void>;
  /** The permission table refused a verified caller; best-effort. */
  denied(principal: Principal, permission: string, source: RequestFacts): Promise<void>;
}

export interface RequestFacts {
  /** The route pattern (`GET /v1/conversations/{id}`), never the raw URL (which carries ids). */
  route: string;
  /** The client address as the server sees it (staff, not patient data). */
  ip: string;
}

export interface AccessAuditOptions {
  publish: PublishAudit;
  logger: Logger;
  registry?: Registry;
  clock?: () => Date;
  /** Tokens remembered as logged in; the oldest are forgotten first. Default 50 000. */
  maxRememberedTokens?: number;
  /** Failed sign-ins and refusals recorded per second, with bursts of as many. Default 20. */
  bestEffortPerSecond?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PRINTABLE = /^[\x21-\x7e]{1,255}$/;

/** A deterministic UUID-shaped id: the same token (or fact) gives the same ce_id everywhere. */
export function derivedEventId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  // version 8 (custom) and the RFC 9562 variant, so it is a well-formed UUID
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * What an unverified token says about itself, for a failed sign-in: only a well-formed tenant id
 * and a printable subject are kept; anything else is dropped. Never used to grant anything.
 */
export function claimedIdentity(authorization: string | undefined): { tenantId?: string; subject?: string } {
  const token = authorization?.replace(/^Bearer\s+/i, '').trim();
  const payload = token?.split('.')[1];
  if (payload === undefined || payload.length > 8192) return {};
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null) return {};
    const record = claims as Record<string, unknown>;
    const tenant = record[CLAIMS.tenant];
    const subject = record['sub'];
    return {
      ...(typeof tenant === 'string' && UUID.test(tenant.toLowerCase()) ? { tenantId: tenant.toLowerCase() } : {}),
      ...(typeof subject === 'string' && PRINTABLE.test(subject) ? { subject } : {}),
    };
  } catch {
    return {};
  }
}

function staffActor(principal: Principal): AuditEventV1['actor'] {
  return {
    type: principal.roles.includes('integration') ? AuditActorType.AUDIT_ACTOR_TYPE_INTEGRATION : AuditActorType.AUDIT_ACTOR_TYPE_STAFF,
    id: `user:${principal.subject}`,
  };
}

export function createAccessAudit(options: AccessAuditOptions): AccessAudit {
  const { publish, logger } = options;
  const clock = options.clock ?? (() => new Date());
  const maxRemembered = options.maxRememberedTokens ?? 50_000;
  const rate = options.bestEffortPerSecond ?? 20;
  // token key → its expiry (ms); a Map iterates in insertion order, so the first key is the oldest
  const loggedIn = new Map<string, number>();
  let tokens = rate;
  let refilledAt = clock().getTime();

  const dropped = new Counter({
    name: 'api_audit_events_dropped_total',
    help: 'Failed sign-in and refusal audit events not recorded, by reason (rate_limited, publish_failed).',
    labelNames: ['action', 'reason'] as const,
    registers: options.registry === undefined ? [] : [options.registry],
  });

  const takeToken = (): boolean => {
    const now = clock().getTime();
    tokens = Math.min(rate, tokens + ((now - refilledAt) / 1000) * rate);
    refilledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };

  const bestEffort = async (event: AuditEventV1, id: string): Promise<void> => {
    if (!takeToken()) {
      dropped.inc({ action: event.action, reason: 'rate_limited' });
      return;
    }
    try {
      await publish(event, id);
    } catch (error) {
      dropped.inc({ action: event.action, reason: 'publish_failed' });
      logger.warn({ err: error, action: event.action, tenant_id: event.tenantId }, 'audit event not recorded');
    }
  };

  return {
    async authenticated(principal, source) {
      const now = clock();
      const key = `${principal.tenantId}\u0000${principal.subject}\u0000${principal.tokenId ?? String(principal.expiresAt.getTime())}`;
      const known = loggedIn.get(key);
      if (known !== undefined && known > now.getTime()) return;
      const event: AuditEventV1 = {
        tenantId: principal.tenantId,
        actor: staffActor(principal),
        action: ACCESS_ACTIONS.login,
        patientId: '',
        patientWaIdHash: '',
        resource: { type: 'session', id: principal.tokenId ?? '' },
        outcome: AuditOutcome.AUDIT_OUTCOME_SUCCESS,
        occurredAt: now,
        detail: { roles: principal.roles.join(','), token_expires_at: principal.expiresAt.toISOString(), route: source.route, source_ip: source.ip },
      };
      try {
        await publish(event, derivedEventId('auth.login', key));
      } catch (error) {
        logger.error({ err: error, tenant_id: principal.tenantId }, 'the sign-in could not be recorded in the audit log');
        throw unavailable('audit_unavailable', 'The sign-in could not be recorded in the audit log; try again shortly.', { cause: error });
      }
      if (loggedIn.size >= maxRemembered) {
        for (const [stale, expires] of loggedIn) {
          if (loggedIn.size < maxRemembered && expires > now.getTime()) break;
          loggedIn.delete(stale);
        }
      }
      loggedIn.set(key, principal.expiresAt.getTime());
    },

    async refused(code, authorization, source) {
      const claimed = claimedIdentity(authorization);
      await bestEffort(
        {
          tenantId: claimed.tenantId ?? PLATFORM_TENANT,
          actor: { type: AuditActorType.AUDIT_ACTOR_TYPE_UNSPECIFIED, id: claimed.subject === undefined ? '' : `unverified:${claimed.subject}` },
          action: ACCESS_ACTIONS.loginFailed,
          patientId: '',
          patientWaIdHash: '',
          resource: { type: 'session', id: '' },
          outcome: AuditOutcome.AUDIT_OUTCOME_DENIED,
          occurredAt: clock(),
          detail: { reason: code, route: source.route, source_ip: source.ip },
        },
        randomUUID(),
      );
    },

    async denied(principal, permission, source) {
      await bestEffort(
        {
          tenantId: principal.tenantId,
          actor: staffActor(principal),
          action: ACCESS_ACTIONS.denied,
          patientId: '',
          patientWaIdHash: '',
          resource: { type: 'route', id: source.route },
          outcome: AuditOutcome.AUDIT_OUTCOME_DENIED,
          occurredAt: clock(),
          detail: { reason: 'permission_denied', permission, roles: principal.roles.join(','), source_ip: source.ip },
        },
        randomUUID(),
      );
    },
  };
}
