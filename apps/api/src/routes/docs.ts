// /openapi.json and /docs, and the documentation of the runtime's ops routes. The document is
// built on first request, after every route has been declared, and kept.
import { z } from 'zod';
import { renderDocsPage } from '../http/docs-page';
import { type OpenApiDocument, type OpenApiInfo, buildOpenApiDocument } from '../http/openapi';
import type { Router } from '../http/router';

// The page has no script and needs nothing from elsewhere; say so to the browser.
const DOCS_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function registerDocsRoutes(router: Router, info: OpenApiInfo): void {
  router.document({
    method: 'GET',
    path: '/healthz',
    operationId: 'getLiveness',
    summary: 'Liveness',
    tags: ['operations'],
    access: 'public',
    response: {
      status: 200,
      description: 'The process is alive.',
      schema: z.object({ status: z.literal('ok') }),
    },
  });
  router.document({
    method: 'GET',
    path: '/readyz',
    operationId: 'getReadiness',
    summary: 'Readiness',
    description: "Ready when messaging's gRPC health answers SERVING (and the process is not draining).",
    tags: ['operations'],
    access: 'public',
    response: {
      status: 200,
      description: 'Ready to serve.',
      schema: z.object({ status: z.literal('ready'), checks: z.array(z.string()) }),
    },
    otherResponses: [
      {
        status: 503,
        description: 'Not ready; `failing` names each failing check and why.',
        schema: z.object({
          status: z.literal('not_ready'),
          failing: z.array(z.object({ name: z.string(), reason: z.string() })),
        }),
      },
    ],
  });
  router.document({
    method: 'GET',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    tags: ['operations'],
    access: 'public',
    response: {
      status: 200,
      description: 'Prometheus text exposition format.',
      schema: z.string(),
      contentType: 'text/plain',
    },
  });

  let document: OpenApiDocument | undefined;
  let page: string | undefined;
  const openApi = () => (document ??= buildOpenApiDocument(info, router.operations()));

  router.route({
    method: 'GET',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This OpenAPI 3.1 document',
    tags: ['documentation'],
    access: 'public',
    response: {
      status: 200,
      description: 'The OpenAPI document.',
      schema: z.record(z.string(), z.unknown()),
    },
    handler: () => openApi() as unknown as Record<string, unknown>,
  });

  router.route({
    method: 'GET',
    path: '/docs',
    operationId: 'getDocsPage',
    summary: 'This documentation as a web page',
    tags: ['documentation'],
    access: 'public',
    response: {
      status: 200,
      description: 'An HTML page.',
      schema: z.string(),
      contentType: 'text/html; charset=utf-8',
    },
    handler: ({ reply }) => {
      void reply.header('content-security-policy', DOCS_CSP);
      return (page ??= renderDocsPage(openApi()));
    },
  });
}
