import { describe, expect, it } from 'vitest';
import {
  currentTraceId,
  currentTraceparent,
  newTraceparent,
  parseTraceparent,
  runWithTrace,
} from './trace';

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparent', () => {
  it('parses a valid header', () => {
    expect(parseTraceparent(PARENT)).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      flags: '01',
    });
  });

  it.each([
    ['empty', ''],
    ['garbage', 'hello'],
    ['uppercase hex', PARENT.toUpperCase()],
    ['version ff', PARENT.replace(/^00/, 'ff')],
    ['all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['all-zero span id', `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`],
    ['extra field on version 00', `${PARENT}-extra`],
  ])('rejects %s', (_name, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });

  it('accepts fields appended by a future version', () => {
    expect(parseTraceparent(`01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future`)?.traceId).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
  });

  it('makes new valid headers with distinct ids', () => {
    const a = newTraceparent();
    const b = newTraceparent();
    expect(parseTraceparent(a)).toBeDefined();
    expect(a).not.toBe(b);
  });
});

describe('runWithTrace', () => {
  it('continues the trace with a child span, across awaits', async () => {
    await runWithTrace(PARENT, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      const current = parseTraceparent(currentTraceparent());
      expect(current?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(current?.spanId).not.toBe('00f067aa0ba902b7');
      expect(current?.flags).toBe('01');
    });
  });

  it('starts a new trace when the header is missing or invalid', () => {
    const ids = [undefined, 'junk'].map((header) => runWithTrace(header, () => currentTraceId()));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('has no context outside a run and isolates concurrent runs', async () => {
    expect(currentTraceparent()).toBeUndefined();
    const seen = await Promise.all(
      [1, 2, 3].map((n) =>
        runWithTrace(undefined, async () => {
          const before = currentTraceId();
          await new Promise((resolve) => setTimeout(resolve, 5 - n));
          return before === currentTraceId() ? before : 'changed';
        }),
      ),
    );
    expect(new Set(seen).size).toBe(3);
    expect(seen).not.toContain('changed');
  });
});
