// Meta's error catalogue (the fact sheet's section 5) and the two shapes an error takes: the
// synchronous Graph error body `{"error":{message,type,code,error_data,fbtrace_id}}`, and the
// asynchronous `errors[]` entry of a `failed` status webhook. `GraphError` is the one error family
// of the Graph routes; the route's error handler turns it into a response, exactly once.
// Details never carry patient data (message bodies, numbers, names).

export type Delivery = 'sync' | 'async';

export interface ErrorSpec {
  title: string;
  httpStatus: number;
  /** how Meta usually reports it; the default for an injected fault with this code */
  usually: Delivery;
  details: string;
}

const spec = (title: string, httpStatus: number, usually: Delivery, details: string = title): ErrorSpec => ({
  title,
  httpStatus,
  usually,
  details,
});

export const ERROR_CATALOGUE: ReadonlyMap<number, ErrorSpec> = new Map([
  [0, spec('AuthException', 401, 'sync', 'We were unable to authenticate the app user')],
  [4, spec('Application request limit reached', 400, 'sync')],
  [10, spec('Permission denied', 403, 'sync')],
  [100, spec('Invalid parameter', 400, 'sync')],
  [
    190,
    spec('Invalid OAuth access token', 401, 'sync', 'Invalid OAuth access token - Cannot parse access token'),
  ],
  [200, spec('Permission denied', 403, 'sync')],
  [368, spec('Temporarily blocked for policies violations', 403, 'sync')],
  [2500, spec('Unknown path components', 400, 'sync')],
  [80007, spec('Rate limit issues', 400, 'sync')],
  [
    130429,
    spec(
      'Rate limit hit',
      400,
      'sync',
      'Message failed to send because there were too many messages sent from this phone number in a short period of time',
    ),
  ],
  [130472, spec("User's number is part of an experiment", 400, 'async')],
  [130497, spec('Business account is restricted from messaging users in this country', 403, 'sync')],
  [131000, spec('Something went wrong', 500, 'sync', 'Message failed to send due to an unknown error')],
  [131008, spec('Required parameter is missing', 400, 'sync')],
  [131009, spec('Parameter value is not valid', 400, 'sync')],
  [131016, spec('Service unavailable', 503, 'sync')],
  [131026, spec('Message undeliverable', 400, 'async', 'Message Undeliverable.')],
  [131030, spec('Recipient phone number not in allowed list', 400, 'sync')],
  [131031, spec('Business Account locked', 403, 'sync')],
  [131042, spec('Business eligibility payment issue', 400, 'sync')],
  [
    131047,
    spec(
      'Re-engagement message',
      400,
      'async',
      'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
    ),
  ],
  [131048, spec('Spam rate limit hit', 400, 'async')],
  [131049, spec('This message was not delivered to maintain healthy ecosystem engagement.', 400, 'async')],
  [
    131050,
    spec(
      'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.',
      400,
      'async',
    ),
  ],
  [131051, spec('Unsupported message type', 400, 'sync', 'Message type is not currently supported.')],
  [131052, spec('Media download error', 400, 'async')],
  [131053, spec('Media upload error', 400, 'async')],
  [
    131056,
    spec(
      '(Business Account, Consumer Account) pair rate limit hit',
      400,
      'sync',
      'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.',
    ),
  ],
  [131057, spec('Account in maintenance mode', 500, 'sync')],
  [132000, spec('Number of parameters does not match the expected number of params', 400, 'sync')],
  [132001, spec('Template name does not exist in the translation', 404, 'sync')],
  [132005, spec('Translated text too long', 400, 'sync')],
  [132007, spec('Template Format Character Policy Violated', 400, 'sync')],
  [132012, spec('Parameter format does not match format in the created template', 400, 'sync')],
  [132015, spec('Template is Paused', 400, 'sync')],
  [132016, spec('Template is Disabled', 400, 'sync')],
  [133010, spec('Account not registered', 400, 'sync')],
]);

const UNKNOWN_SPEC = spec('Simulated error', 400, 'sync');

export function errorSpec(code: number): ErrorSpec {
  return ERROR_CATALOGUE.get(code) ?? UNKNOWN_SPEC;
}

export const ERROR_HREF = 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/';

export interface GraphErrorOptions {
  details?: string;
  subcode?: number;
  httpStatus?: number;
}

/** A Graph API error with Meta's stable `code`; thrown by the use-cases, rendered by the route. */
export class GraphError extends Error {
  override name = 'GraphError';
  readonly details: string;
  readonly subcode: number | undefined;
  readonly httpStatus: number;
  readonly title: string;

  constructor(
    readonly code: number,
    options: GraphErrorOptions = {},
  ) {
    const s = errorSpec(code);
    super(`(#${code}) ${s.title}`);
    this.title = s.title;
    this.details = options.details ?? s.details;
    this.subcode = options.subcode;
    this.httpStatus = options.httpStatus ?? s.httpStatus;
  }
}

export interface GraphErrorBody {
  error: {
    message: string;
    type: 'OAuthException';
    code: number;
    error_subcode?: number;
    error_data: { messaging_product: 'whatsapp'; details: string };
    fbtrace_id: string;
  };
}

export function graphErrorBody(error: GraphError, fbtraceId: string): GraphErrorBody {
  return {
    error: {
      message: error.message,
      // Meta labels every Graph error of this API OAuthException, authentication or not
      type: 'OAuthException',
      code: error.code,
      ...(error.subcode === undefined ? {} : { error_subcode: error.subcode }),
      error_data: { messaging_product: 'whatsapp', details: error.details },
      fbtrace_id: fbtraceId,
    },
  };
}

export interface WebhookError {
  code: number;
  title: string;
  message: string;
  error_data: { details: string };
  href: string;
}

/** The `errors[]` entry of a failed status (fact sheet, example C). */
export function webhookError(code: number, details?: string): WebhookError {
  const s = errorSpec(code);
  return {
    code,
    title: s.title,
    message: s.title,
    error_data: { details: details ?? s.details },
    href: ERROR_HREF,
  };
}
