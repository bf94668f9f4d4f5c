// The release page over HTTP (served by records' own HTTP server): GET /r/:token (landing),
// POST /r/:token/dob, POST /r/:token/code, GET /r/:token/document. Every response is no-store,
// no-referrer, framed by nobody, under a CSP that allows only this origin's stylesheet and form
// posts. The link token is in the path; the HTTP server logs route patterns only, never URLs.
// The verified session is a cookie scoped to the share's path, HttpOnly, SameSite=Strict.
import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type ReleaseUseCases } from '../use-cases/release';
import {
  STYLESHEET,
  STYLESHEET_PATH,
  askCodePage,
  askDobPage,
  sendFailedPage,
  unavailablePage,
  unverifiedPage,
  verifiedPage,
} from './pages';

const COOKIE = 'careline_release';
const PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
// the document itself: nothing runs, even if a viewer would execute something embedded
const DOCUMENT_CSP =
  "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox";
const FORM_LIMIT_BYTES = 2048;

const tokenParams = z.object({ token: z.string().max(100) });
const dobForm = z.object({ dob: z.string().max(32) });
const codeForm = z.object({ code: z.string().max(32) });
const documentQuery = z.object({ download: z.string().optional() });

export interface ReleaseRouteOptions {
  release: ReleaseUseCases;
  /** The public origin of the page (RELEASE_BASE_URL): https makes the cookie Secure. */
  baseUrl: URL;
}

function secure(reply: FastifyReply, csp = PAGE_CSP): FastifyReply {
  return reply
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('content-security-policy', csp);
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return secure(reply).code(status).type('text/html; charset=utf-8').send(body);
}

function sessionOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === COOKIE) return rest.join('=');
  }
  return undefined;
}

/**
 * Form posts must come from the page itself. Browsers send `Sec-Fetch-Site`; under
 * `Referrer-Policy: no-referrer` they send `Origin: null` on form posts, so Origin decides only
 * when it names one. A client sending neither is not a browser that a forged page could drive.
 */
function sameOrigin(request: FastifyRequest, baseUrl: URL): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  const origin = request.headers.origin;
  if (origin === undefined || origin === 'null') return true;
  try {
    const parsed = new URL(origin);
    return parsed.origin === baseUrl.origin || parsed.host === request.headers.host;
  } catch {
    return false;
  }
}

export function registerReleaseRoutes(app: FastifyInstance, options: ReleaseRouteOptions): void {
  const { release, baseUrl } = options;
  const cookieSecure = baseUrl.protocol === 'https:';

  // browsers ask for it on every page; answering keeps their consoles (and logs) quiet
  app.get('/favicon.ico', (_request, reply) => secure(reply).code(204).send());
  app.get(STYLESHEET_PATH, (_request, reply) =>
    secure(reply)
      .header('cache-control', 'public, max-age=3600')
      .type('text/css; charset=utf-8')
      .send(STYLESHEET),
  );

  void app.register((scope, _opts, done) => {
    // forms arrive urlencoded; parsed here only, and small
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES },
      (_req, body, next) => {
        next(
          null,
          Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))),
        );
      },
    );

    scope.get('/r/:token', async (request, reply) => {
      const { token } = tokenParams.parse(request.params);
      const state = await release.openLink(token, sessionOf(request));
      switch (state.kind) {
        case 'unavailable':
          return html(reply, state.reason === 'not_found' ? 404 : 410, unavailablePage(state.reason));
        case 'ask_dob':
          return html(reply, 200, askDobPage(token, state.attemptsLeft));
        case 'ask_code':
          return html(reply, 200, askCodePage(token, state.attemptsLeft));
        case 'verified':
          return html(reply, 200, verifiedPage(token, state.document));
      }
    });

    scope.post('/r/:token/dob', async (request, reply) => {
      const { token } = tokenParams.parse(request.params);
      if (!sameOrigin(request, baseUrl)) return html(reply, 403, unavailablePage('not_found'));
      const form = dobForm.safeParse(request.body);
      const result = await release.submitDateOfBirth(token, form.success ? form.data.dob : '');
      switch (result.kind) {
        case 'unavailable':
          return html(reply, result.reason === 'not_found' ? 404 : 410, unavailablePage(result.reason));
        case 'wrong':
          return html(
            reply,
            200,
            askDobPage(token, result.attemptsLeft, 'That date of birth does not match our records.'),
          );
        case 'code_sent':
          return secure(reply).redirect(`/r/${encodeURIComponent(token)}`, 303);
        case 'send_failed':
          return html(reply, 503, sendFailedPage(token));
      }
    });

    scope.post('/r/:token/code', async (request, reply) => {
      const { token } = tokenParams.parse(request.params);
      if (!sameOrigin(request, baseUrl)) return html(reply, 403, unavailablePage('not_found'));
      const form = codeForm.safeParse(request.body);
      const result = await release.submitCode(token, form.success ? form.data.code : '');
      switch (result.kind) {
        case 'unavailable':
          return html(reply, result.reason === 'not_found' ? 404 : 410, unavailablePage(result.reason));
        case 'wrong':
          // a wrong or expired code voids it: the patient starts again from the date of birth
          return html(
            reply,
            200,
            askDobPage(
              token,
              result.attemptsLeft,
              'That code is not right or has expired. Please start again.',
            ),
          );
        case 'verified': {
          const maxAge = Math.max(1, Math.floor((result.expiresAt.getTime() - Date.now()) / 1000));
          const cookie = [
            `${COOKIE}=${result.session}`,
            `Path=/r/${encodeURIComponent(token)}`,
            `Max-Age=${maxAge}`,
            'HttpOnly',
            'SameSite=Strict',
            ...(cookieSecure ? ['Secure'] : []),
          ].join('; ');
          return secure(reply)
            .header('set-cookie', cookie)
            .redirect(`/r/${encodeURIComponent(token)}`, 303);
        }
      }
    });

    scope.get('/r/:token/document', async (request, reply) => {
      const { token } = tokenParams.parse(request.params);
      const query = documentQuery.parse(request.query);
      const result = await release.download(token, sessionOf(request));
      switch (result.kind) {
        case 'unavailable':
          return html(reply, result.reason === 'not_found' ? 404 : 410, unavailablePage(result.reason));
        case 'unverified':
          return html(reply, 403, unverifiedPage(token));
        case 'content': {
          const extension = result.contentType.split('/')[1] ?? 'bin';
          const disposition = query.download === undefined ? 'inline' : 'attachment';
          return secure(reply, DOCUMENT_CSP)
            .code(200)
            .type(result.contentType)
            .header('content-disposition', `${disposition}; filename="${result.fileName}.${extension}"`)
            .send(Buffer.from(result.bytes));
        }
      }
    });
    done();
  });
}
