import type { z } from 'zod';

/**
 * A webhook body that does not have the shape Meta documents. The reason names only schema paths
 * and issue kinds, never a value from the payload: payloads carry message bodies and phone numbers.
 */
export class WebhookValidationError extends Error {
  override readonly name = 'WebhookValidationError';
  /** Stable code, so an edge can map this error without matching on the class. */
  readonly code = 'whatsapp.webhook_invalid';
  /** Short, value-free reasons, e.g. `entry.0.changes.0.value.messages.0.text.body: invalid_type`. */
  readonly reasons: readonly string[];

  constructor(reasons: readonly string[]) {
    super(`WhatsApp webhook payload rejected: ${reasons.join('; ')}`);
    this.reasons = reasons;
  }
}

/** An outbound request that breaks a Send API rule; `rules` names each rule that failed. */
export class OutboundValidationError extends Error {
  override readonly name = 'OutboundValidationError';
  readonly code = 'whatsapp.outbound_invalid';
  readonly rules: readonly string[];

  constructor(rules: readonly string[]) {
    super(`WhatsApp outbound message rejected: ${rules.join(', ')}`);
    this.rules = rules;
  }
}

// Path segments come from our schemas, never from input keys (no records, no catch-alls); the
// pattern is a second guard so that a future schema change cannot leak an input key into a reason.
const SAFE_SEGMENT = /^[a-z][a-z0-9_]{0,39}$/;

function describePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((segment) => {
      if (typeof segment === 'number') return String(segment);
      if (typeof segment === 'string' && SAFE_SEGMENT.test(segment)) return segment;
      return '?';
    })
    .join('.');
}

/**
 * A union issue nests the issues of each branch; report the branch that got furthest, which is the
 * one the caller meant.
 */
function deepest(
  issue: z.core.$ZodIssue,
  prefix: readonly PropertyKey[],
): { issue: z.core.$ZodIssue; path: PropertyKey[] } {
  const path = [...prefix, ...issue.path];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return { issue, path };
  let best: { issue: z.core.$ZodIssue; path: PropertyKey[] } | undefined;
  for (const branch of issue.errors) {
    for (const inner of branch) {
      const candidate = deepest(inner, path);
      if (!best || candidate.path.length > best.path.length) best = candidate;
    }
  }
  return best ?? { issue, path };
}

/**
 * Turns zod issues into value-free reasons: path plus issue code plus (for type errors) the expected
 * type name. Zod's own messages are not used because some of them quote input.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], limit = 5): string[] {
  return issues.slice(0, limit).map((top) => {
    const { issue, path } = deepest(top, []);
    const detail = issue.code === 'invalid_type' ? ` (expected ${issue.expected})` : '';
    return `${describePath(path)}: ${issue.code}${detail}`;
  });
}

/**
 * The outbound schemas set each check's message to a rule name (`text.body.max_4096`); zod's own
 * messages contain spaces, so they never pass for one and fall back to path and code.
 */
export function describeRules(issues: readonly z.core.$ZodIssue[]): string[] {
  const rules = issues.map((issue) =>
    RULE_NAME.test(issue.message) ? issue.message : describeIssues([issue])[0]!,
  );
  return [...new Set(rules)];
}

const RULE_NAME = /^[a-z][a-z0-9_.]*$/;
