// Request bodies are parsed with zod, and the first problem is reported as Meta reports it:
// a missing (or empty) parameter is 131008 "Required parameter is missing", any other bad value
// 131009 "Parameter value is not valid", with Meta-style details naming the parameter
// (`text['body']`). A schema may attach its own code to a refinement via
// `params: { metaCode, details }`; `{path}` in those details becomes the parameter's name.
import { z } from 'zod';
import { GraphError } from './errors';

export interface MetaIssueParams {
  metaCode: number;
  details: string;
}

/** `text['body']`, `interactive['action']['buttons'][0]` */
export function metaPath(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path;
  return (
    String(head ?? '') + rest.map((s) => (typeof s === 'number' ? `[${s}]` : `['${String(s)}']`)).join('')
  );
}

export function parseParams<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new GraphError(131009);
  const name = metaPath(issue.path);
  const missing = 'input' in issue ? issue.input === undefined || issue.input === null : true;
  switch (issue.code) {
    case 'custom': {
      const params = issue.params as Partial<MetaIssueParams> | undefined;
      if (params?.metaCode !== undefined)
        throw new GraphError(params.metaCode, {
          details: params.details?.replaceAll('{path}', name) ?? `Param ${name} is invalid.`,
        });
      throw new GraphError(131009, { details: `Param ${name} is invalid.` });
    }
    case 'invalid_type':
      if (missing) throw new GraphError(131008, { details: `The parameter ${name} is required.` });
      throw new GraphError(131009, { details: `Param ${name} must be a ${issue.expected}.` });
    case 'invalid_value':
    case 'invalid_union':
      if (missing) throw new GraphError(131008, { details: `The parameter ${name} is required.` });
      throw new GraphError(131009, { details: `Param ${name} is invalid.` });
    case 'too_small':
      if (issue.origin === 'string' && issue.input === '')
        throw new GraphError(131008, { details: `The parameter ${name} is required.` });
      throw new GraphError(131009, { details: `Param ${name} is too small.` });
    case 'too_big':
      throw new GraphError(131009, {
        details:
          issue.origin === 'string'
            ? `Param ${name} must be at most ${String(issue.maximum)} characters long.`
            : `Param ${name} is too big.`,
      });
    default:
      throw new GraphError(131009, { details: `Param ${name} is invalid.` });
  }
}

/** Characters as a person counts them (code points), not UTF-16 units: an emoji is one. */
export function characterCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** A refinement's `params` for parseParams: this Meta code, these details (`{path}` is replaced). */
export function meta(metaCode: number, details: string): { params: MetaIssueParams } {
  return { params: { metaCode, details } };
}

/**
 * A required string of 1..max characters: missing or empty is 131008, longer is 131009 with
 * Meta-style details naming the limit.
 */
export function boundedText(max: number) {
  return z
    .string()
    .min(1)
    .refine(
      (s) => characterCount(s) <= max,
      meta(131009, `Param {path} must be at most ${max} characters long.`),
    );
}

/** An optional string of at most max characters (empty allowed). */
export function optionalText(max: number) {
  return z
    .string()
    .refine(
      (s) => characterCount(s) <= max,
      meta(131009, `Param {path} must be at most ${max} characters long.`),
    )
    .optional();
}
