// The HTTP edge's only translation of errors: RFC 9457 problem details.
// Messages of errors that are not DomainErrors never reach the client: they may carry request
// content (a JSON parse error quotes the body) or infrastructure details.
import { type ErrorDetails, type ErrorKind, isDomainError } from './errors';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  /** `urn:careline:problem:<code>`: stable, so clients may switch on it as on `code`. */
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance?: string;
  details?: ErrorDetails;
  retryable?: boolean;
}

const KIND_STATUS: Record<ErrorKind, number> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  // The request conflicts with the resource's current state; `code` tells which (e.g. window_closed).
  conflict: 409,
  failed_precondition: 409,
  resource_exhausted: 429,
  internal: 500,
  unavailable: 503,
};

export function httpStatusForKind(kind: ErrorKind): number {
  return KIND_STATUS[kind];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

// Framework errors carry a status but no Careline code: give each status a stable one.
const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'permission_denied',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  431: 'headers_too_large',
};

function titleFor(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Internal Server Error' : 'Bad Request');
}

function problem(status: number, code: string, detail: string, instance: string | undefined): Problem {
  const result: Problem = { type: `urn:careline:problem:${code}`, title: titleFor(status), status, code, detail };
  if (instance !== undefined) result.instance = instance;
  return result;
}

export const INTERNAL_PROBLEM_DETAIL = 'An internal error occurred.';

interface ValidationItem {
  instancePath?: unknown;
  message?: unknown;
}

/** Shape of a fastify/ajv validation error, read defensively since it arrives as `unknown`. */
function validationItems(error: unknown): ValidationItem[] | undefined {
  if (typeof error !== 'object' || error === null || !('validation' in error)) return undefined;
  const { validation } = error;
  return Array.isArray(validation) ? (validation as ValidationItem[]) : undefined;
}

function frameworkStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('statusCode' in error)) return undefined;
  const { statusCode } = error;
  return typeof statusCode === 'number' && Number.isInteger(statusCode) && statusCode >= 400 && statusCode < 600
    ? statusCode
    : undefined;
}

/**
 * Translates any thrown value into a problem. DomainErrors keep their code, message and details;
 * request validation failures become `invalid_request` with the failing paths (ajv's messages name
 * the rule, never the value); other 4xx framework errors get a generic detail; everything else is
 * a 500 `internal` that reveals nothing.
 */
export function toProblem(error: unknown, instance?: string): Problem {
  if (isDomainError(error)) {
    const result = problem(httpStatusForKind(error.kind), error.code, error.message, instance);
    if (error.details !== undefined) result.details = error.details;
    if (error.retryable) result.retryable = true;
    return result;
  }
  const validation = validationItems(error);
  if (validation) {
    const context = (error as { validationContext?: unknown }).validationContext;
    const prefix = typeof context === 'string' ? context : 'request';
    const result = problem(400, 'invalid_request', 'The request is not valid.', instance);
    result.details = {
      errors: validation.map((item) => ({
        path: `${prefix}${typeof item.instancePath === 'string' ? item.instancePath : ''}`,
        message: typeof item.message === 'string' ? item.message : 'is invalid',
      })),
    };
    return result;
  }
  const status = frameworkStatus(error);
  if (status !== undefined && status < 500) {
    return problem(status, STATUS_CODES[status] ?? 'bad_request', `${titleFor(status)}.`, instance);
  }
  return problem(500, 'internal', INTERNAL_PROBLEM_DETAIL, instance);
}
