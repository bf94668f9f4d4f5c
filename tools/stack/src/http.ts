// A small JSON-over-HTTP helper for talking to the stack's processes: every answer is parsed
// against a schema, and a failure names the method, the path and the status (never a body that
// might carry patient data or a token).
import type { z } from 'zod';

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export async function requestJson(
  method: string,
  url: string,
  options: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const text = await response.text();
  let body: unknown = undefined;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** The answer parsed with `schema`, or an error naming the call and its status (and a problem's code). */
export function expectStatus<S extends z.ZodType>(
  response: JsonResponse,
  expected: number,
  schema: S,
  what: string,
): z.output<S> {
  if (response.status !== expected) {
    throw new Error(`${what}: HTTP ${response.status}${problemCode(response.body)} (expected ${expected})`);
  }
  const parsed = schema.safeParse(response.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${what}: unexpected answer (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'})`,
    );
  }
  return parsed.data;
}

function problemCode(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'code' in body) {
    const code = body.code;
    if (typeof code === 'string' || typeof code === 'number') return ` ${String(code)}`;
  }
  return '';
}
