// What rides in gRPC metadata between Careline services: who is calling (tenant, actor, roles)
// and the trace. The api authenticates people and sets these; services trust them because only
// the cluster network reaches their gRPC ports. `grpcUnary` is the server-side edge of a call.
import { Metadata, type handleUnaryCall } from '@grpc/grpc-js';
import { DomainError, isDomainError } from './errors';
import { toGrpcStatus } from './grpc-status';
import type { Logger } from './logger';
import { TRACEPARENT_HEADER, currentTraceparent, runInSpan } from './trace';

export const TENANT_KEY = 'x-careline-tenant';
export const ACTOR_KEY = 'x-careline-actor';
export const ROLES_KEY = 'x-careline-roles';

export interface Caller {
  /** Absent for platform-level calls that act across tenants. */
  tenantId?: string;
  /** Who acts: `user:<id>` for staff, `service:<app>` for a service. */
  actor: string;
  roles: readonly string[];
}

const TENANT = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
// OIDC subjects are any case-sensitive ASCII string up to 255 characters (Auth0's `auth0|123`,
// Azure's base64url ids...), and the api prefixes them (`user:`): printable ASCII without spaces.
const ACTOR = /^[\x21-\x7e]{1,320}$/;
const ROLE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

function invalidCaller(key: string): DomainError {
  // The bad value is not quoted: an identity header is not something to echo back or log.
  return new DomainError({ code: 'invalid_caller', kind: 'unauthenticated', message: `Metadata ${key} is malformed.` });
}

function single(metadata: Metadata, key: string): string | undefined {
  const values = metadata.get(key);
  if (values.length === 0) return undefined;
  // Two values for an identity key is ambiguous at best and spoofing at worst.
  if (values.length > 1) throw invalidCaller(key);
  const value = values[0];
  if (typeof value !== 'string') throw invalidCaller(key);
  return value;
}

/**
 * The caller named in `metadata`, or undefined when it names none (no actor). Throws an
 * `unauthenticated` DomainError (`invalid_caller`) when a key is present but malformed.
 */
export function callerFromMetadata(metadata: Metadata): Caller | undefined {
  const actor = single(metadata, ACTOR_KEY);
  const tenantId = single(metadata, TENANT_KEY);
  const roles = single(metadata, ROLES_KEY);
  if (actor === undefined) {
    if (tenantId !== undefined || roles !== undefined) throw invalidCaller(ACTOR_KEY);
    return undefined;
  }
  if (!ACTOR.test(actor)) throw invalidCaller(ACTOR_KEY);
  if (tenantId !== undefined && !TENANT.test(tenantId)) throw invalidCaller(TENANT_KEY);
  const roleList = (roles ?? '')
    .split(',')
    .map((role) => role.trim())
    .filter((role) => role.length > 0);
  if (roleList.some((role) => !ROLE.test(role))) throw invalidCaller(ROLES_KEY);
  return tenantId === undefined ? { actor, roles: roleList } : { tenantId, actor, roles: roleList };
}

/** The `traceparent` carried by `metadata`, if any. */
export function traceparentFromMetadata(metadata: Metadata): string | undefined {
  const value = metadata.get(TRACEPARENT_HEADER)[0];
  return typeof value === 'string' ? value : undefined;
}

/** Sets `traceparent` (by default the current one) on `metadata`; returns it for chaining. */
export function setTraceparent(metadata: Metadata, traceparent: string | undefined = currentTraceparent()): Metadata {
  if (traceparent !== undefined) metadata.set(TRACEPARENT_HEADER, traceparent);
  return metadata;
}

/** Metadata for an outgoing call on behalf of `caller`, carrying the current trace. */
export function metadataForCaller(caller: Caller | undefined, options: { traceparent?: string } = {}): Metadata {
  const metadata = new Metadata();
  if (caller) {
    metadata.set(ACTOR_KEY, caller.actor);
    if (caller.tenantId !== undefined) metadata.set(TENANT_KEY, caller.tenantId);
    if (caller.roles.length > 0) metadata.set(ROLES_KEY, caller.roles.join(','));
  }
  return setTraceparent(metadata, options.traceparent ?? currentTraceparent());
}

export interface UnaryContext {
  caller: Caller | undefined;
  metadata: Metadata;
  /** Aborted when the client cancels the call or its deadline passes. */
  signal: AbortSignal;
}

export type UnaryHandler<Req, Res> = (request: Req, context: UnaryContext) => Promise<Res> | Res;

export interface GrpcUnaryOptions {
  logger: Logger;
}

/**
 * Adapts a plain async handler to grpc-js: runs it in the caller's trace, parses the caller,
 * turns a thrown DomainError into its status via toGrpcStatus, and logs anything unexpected
 * (never the request, which may hold patient data) before answering INTERNAL.
 */
export function grpcUnary<Req, Res>(handler: UnaryHandler<Req, Res>, options: GrpcUnaryOptions): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const method = call.getPath();
    const span = { name: method, kind: 'server' as const, attributes: { 'rpc.system': 'grpc', 'rpc.method': method } };
    const controller = new AbortController();
    call.once('cancelled', () => controller.abort());
    // The span fails (for an exporter) when the call fails for a reason that is not the caller's.
    const respond = async (): Promise<void> => {
      let failed = false;
      try {
        const caller = callerFromMetadata(call.metadata);
        const response = await handler(call.request, { caller, metadata: call.metadata, signal: controller.signal });
        callback(null, response);
      } catch (error) {
        if (!isDomainError(error) || error.kind === 'internal') {
          options.logger.error({ err: error, method }, 'grpc call failed');
          failed = true;
        }
        callback(toGrpcStatus(error));
      }
      // only marks the span failed; the error was logged and answered above
      if (failed) throw new Error(`${method} failed`);
    };
    void runInSpan(traceparentFromMetadata(call.metadata), span, respond).catch(() => undefined);
  };
}
