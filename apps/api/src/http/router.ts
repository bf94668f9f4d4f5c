// The api's route helper. One declaration per route gives three things that must never drift
// apart: the fastify route, its request validation (zod) and its authentication/permission check,
// and the operation in the OpenAPI document (generated from the same zod schemas, see openapi.ts).
//
// Why in-house rather than a type provider (fastify-type-provider-zod + @fastify/swagger): the
// edge needs problem+json with our own field paths and no echoed values, the auth check before
// validation, and documented problem responses and permissions per route; the helper is small,
// and it leaves zod 4's `z.toJSONSchema` as the only schema converter.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Permission, Principal, TokenVerifier } from '@careline/auth';
import { invalidArgument, isDomainError } from '@careline/runtime';
import type { z } from 'zod';
import type { AccessAudit } from '../auth/access-audit';
import { asAuthFailure, requirePermission } from '../auth/principal';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who may call a route: anyone, any valid token, or a token whose roles grant a permission. */
export type Access = 'public' | 'authenticated' | { permission: Permission };

export interface ResponseSpec<S extends z.ZodType = z.ZodType> {
  status: number;
  description: string;
  schema: S;
  /** Default `application/json`. */
  contentType?: string;
}

/** A problem response the route may give besides the ones every route of its kind gets. */
export interface ProblemSpec {
  status: number;
  /** Name the stable codes, e.g. "`window_closed`: …". */
  description: string;
}

type Part = z.ZodObject | undefined;
type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface HandlerInput<
  P extends Part,
  Q extends Part,
  B extends z.ZodType | undefined,
  H extends Part,
  A extends Access,
> {
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  headers: Parsed<H>;
  principal: A extends 'public' ? undefined : Principal;
  request: FastifyRequest;
  reply: FastifyReply;
}

/** What the OpenAPI document is built from. */
export interface OperationSpec {
  method: HttpMethod;
  /** OpenAPI path template, e.g. `/v1/conversations/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  access: Access;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /**
   * The body's media type in the document (default `application/json`). A `multipart/` body is
   * documented by `body` but read by the handler itself (streamed, bounded), never parsed here.
   */
  bodyContentType?: string;
  headers?: z.ZodObject;
  response: ResponseSpec;
  /** More success or non-problem responses, documented only (e.g. /readyz's 503). */
  otherResponses?: readonly ResponseSpec[];
  problems?: readonly ProblemSpec[];
  /** The route calls another service (documents 503 `service_unavailable`). */
  upstream?: boolean;
}

export interface RouteSpec<
  P extends Part,
  Q extends Part,
  B extends z.ZodType | undefined,
  H extends Part,
  R extends z.ZodType,
  A extends Access,
> extends Omit<OperationSpec, 'params' | 'query' | 'body' | 'headers' | 'response' | 'access'> {
  access: A;
  params?: P;
  query?: Q;
  body?: B;
  headers?: H;
  response: ResponseSpec<R>;
  handler: (input: HandlerInput<P, Q, B, H, A>) => Promise<z.input<R>> | z.input<R>;
}

export interface Router {
  /** Registers the route on fastify and documents it. */
  route<
    R extends z.ZodType,
    A extends Access,
    P extends Part = undefined,
    Q extends Part = undefined,
    B extends z.ZodType | undefined = undefined,
    H extends Part = undefined,
  >(
    spec: RouteSpec<P, Q, B, H, R, A>,
  ): void;
  /** Documents a route that something else registered (the runtime's /healthz, /readyz, /metrics). */
  document(spec: OperationSpec): void;
  operations(): readonly OperationSpec[];
}

export interface RouterOptions {
  app: FastifyInstance;
  verifier: TokenVerifier;
  /** Records sign-ins, failed sign-ins and refusals (see auth/access-audit.ts). */
  accessAudit?: AccessAudit;
}

type Location = 'params' | 'query' | 'body' | 'headers';

// A type literal (not an interface) so that it is a JsonValue for DomainError details.
type FieldError = { path: string; message: string };

/**
 * zod issues as `{ path, message }`: the path names the field (`body/text`, `query/limit`), the
 * message the rule. zod's messages state the expectation, never the received value.
 */
function fieldErrors(location: Location, error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    path: [location, ...issue.path.map(String)].join('/'),
    message: issue.message,
  }));
}

function toFastifyPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

const CHALLENGE = 'Bearer realm="careline"';

export function createRouter(options: RouterOptions): Router {
  const { app, verifier, accessAudit } = options;
  const operations: OperationSpec[] = [];
  const principals = new WeakMap<FastifyRequest, Principal>();

  const authenticate =
    (access: Exclude<Access, 'public'>, route: string) => async (request: FastifyRequest, reply: FastifyReply) => {
      const facts = { route, ip: request.ip };
      let principal: Principal;
      try {
        principal = await verifier.verify(request.headers.authorization);
      } catch (error) {
        const failure = asAuthFailure(error);
        // RFC 6750: a 401 names the scheme, and why when a token was presented.
        if (isDomainError(failure) && failure.kind === 'unauthenticated') {
          const withError =
            failure.code === 'token_missing' ? CHALLENGE : `${CHALLENGE}, error="invalid_token"`;
          void reply.header('www-authenticate', withError);
          // a request without a token is not a sign-in attempt; a refused token is
          if (failure.code !== 'token_missing') {
            await accessAudit?.refused(failure.code, request.headers.authorization, facts);
          }
        }
        throw failure;
      }
      // a valid token is a sign-in whatever the route then allows
      await accessAudit?.authenticated(principal, facts);
      if (access !== 'authenticated') {
        try {
          requirePermission(principal, access.permission);
        } catch (error) {
          await accessAudit?.denied(principal, access.permission, facts);
          throw error;
        }
      }
      principals.set(request, principal);
    };

  return {
    route(spec) {
      const { handler, ...operation } = spec;
      operations.push(operation);
      app.route({
        method: spec.method,
        url: toFastifyPath(spec.path),
        onRequest: spec.access === 'public' ? undefined : authenticate(spec.access, `${spec.method} ${spec.path}`),
        handler: async (request, reply) => {
          const errors: FieldError[] = [];
          const parse = (location: Location, schema: z.ZodType | undefined, value: unknown): unknown => {
            if (schema === undefined) return undefined;
            const result = schema.safeParse(value);
            if (result.success) return result.data;
            errors.push(...fieldErrors(location, result.error));
            return undefined;
          };
          const params = parse('params', spec.params, request.params);
          const query = parse('query', spec.query, request.query);
          const headers = parse('headers', spec.headers, request.headers);
          const body = spec.bodyContentType?.startsWith('multipart/') === true ? undefined : parse('body', spec.body, request.body);
          if (errors.length > 0) {
            throw invalidArgument('invalid_request', 'The request is not valid.', {
              details: { errors: [...errors] },
            });
          }
          // Each part was parsed by the schema its type is inferred from, and the principal is set
          // by the onRequest hook of every non-public route: the cast restates what is checked.
          const input = { params, query, headers, body, principal: principals.get(request), request, reply };
          const result = await handler(input as Parameters<typeof handler>[0]);
          // Parsing the result keeps responses to what the document promises (and strips any field
          // a view did not mean to expose).
          const payload: unknown = spec.response.schema.parse(result);
          void reply.code(spec.response.status);
          // a handler that knows the exact type (a media download) has set it already
          if (spec.response.contentType !== undefined && !reply.hasHeader('content-type')) void reply.type(spec.response.contentType);
          return payload;
        },
      });
    },
    document(spec) {
      operations.push(spec);
    },
    operations: () => operations,
  };
}
