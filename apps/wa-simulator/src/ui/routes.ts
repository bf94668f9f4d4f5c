// The phone UI: a static page (plain HTML, CSS and JavaScript, no build step, no CDN) served at `/`
// that plays the patients' phones through the control API. The files are inlined at build time
// (`?raw`), so the bundled simulator needs nothing next to it.
import type { FastifyPluginCallback } from 'fastify';
import page from './index.html?raw';
import script from './app.js?raw';
import styles from './style.css?raw';

export function uiRoutes() {
  const register: FastifyPluginCallback = (scope, _options, done) => {
    const serve = (path: string, type: string, body: string) =>
      scope.get(path, (_request, reply) =>
        reply
          .code(200)
          .type(type)
          // the page talks only to this origin; nothing is loaded from elsewhere
          .header(
            'content-security-policy',
            "default-src 'self'; img-src 'self' data: blob: http: https:; media-src 'self' blob: http: https:; style-src 'self'; script-src 'self'",
          )
          .header('cache-control', 'no-cache')
          .send(body),
      );
    serve('/', 'text/html; charset=utf-8', page);
    serve('/ui/app.js', 'text/javascript; charset=utf-8', script);
    serve('/ui/style.css', 'text/css; charset=utf-8', styles);
    // browsers ask for it; without this route Graph's "unsupported request" would answer
    scope.get('/favicon.ico', (_request, reply) => reply.code(204).send());
    done();
  };
  return register;
}
