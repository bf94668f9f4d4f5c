// Every HTTP ingress a stranger can reach, fuzzed against the whole system: the api (each
// operation of its own OpenAPI document, with tokens that hold every role so inputs reach the
// handlers), the gateway's WhatsApp webhook (Meta's notifications, signed with the number's app
// secret, mutated) and records' release page. Nothing may answer 5xx, drop the connection or hang;
// every api refusal is problem+json with a code; every process is still ready afterwards.
// The CI size is a few thousand inputs with a fixed seed; `npm run chaos -- fuzz` runs 100,000+
// with a random one (tools/chaos/README.md).
import { formatReport, fuzzStack, totalFailures } from '@careline/chaos';
import { describe, expect, it } from 'vitest';
import { useStack } from './support/stack';

const SEED = 20_261_125;
const INPUTS_PER_TARGET = 1_500;

const stack = useStack('fuzz');

describe('fuzzing every HTTP ingress', () => {
  it(`answers ${INPUTS_PER_TARGET} generated inputs per ingress without a 5xx, a dropped connection or a crash`, async () => {
    const report = await fuzzStack(stack(), { seed: SEED, inputs: INPUTS_PER_TARGET, concurrency: 8 });
    const summary = formatReport(report);
    console.log(summary);

    expect(report.scores.map((score) => score.target)).toEqual(['api', 'webhook', 'release']);
    for (const score of report.scores) expect(score.inputs, score.target).toBe(INPUTS_PER_TARGET);
    expect(totalFailures(report), summary).toBe(0);
    expect(report.notReady, summary).toEqual([]);
    // Inputs reached the handlers, not only the front door: some were accepted on each ingress
    // but the release page (random tokens are refused, as they must be).
    const byTarget = Object.fromEntries(report.scores.map((score) => [score.target, score]));
    expect(byTarget.api?.byClass['2xx']).toBeGreaterThan(50);
    expect(byTarget.webhook?.byClass['2xx']).toBeGreaterThan(50);
    expect(byTarget.release?.byClass['4xx']).toBe(INPUTS_PER_TARGET);
  });
});
