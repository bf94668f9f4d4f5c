import { describe, expect, it } from 'vitest';
import { createFaults } from './faults';

describe('faults', () => {
  it('consumes a count fault and then removes it', () => {
    const faults = createFaults();
    faults.add({ code: 130429, count: 2 });
    expect(faults.take('1')?.code).toBe(130429);
    expect(faults.take('1')?.code).toBe(130429);
    expect(faults.take('1')).toBeUndefined();
    expect(faults.list()).toEqual([]);
  });

  it('applies only to its phone number when it names one', () => {
    const faults = createFaults();
    faults.add({ code: 131000, phone_number_id: '2' });
    expect(faults.take('1')).toBeUndefined();
    expect(faults.take('2')?.code).toBe(131000);
  });

  it('fails a ratio of sends, decided by the random source', () => {
    const draws = [0.1, 0.9, 0.2];
    const faults = createFaults(() => draws.shift() ?? 1);
    faults.add({ code: 131016, ratio: 0.5 });
    expect([faults.take('1'), faults.take('1'), faults.take('1')].map((f) => f?.code)).toEqual([
      131016,
      undefined,
      131016,
    ]);
  });

  it('reports a code the way Meta usually does unless told otherwise', () => {
    const faults = createFaults();
    expect(faults.add({ code: 131026 }).delivery).toBe('async');
    expect(faults.add({ code: 130429 }).delivery).toBe('sync');
    expect(faults.add({ code: 130429, delivery: 'async' }).delivery).toBe('async');
  });
});

describe('latency faults', () => {
  it('delays the next N requests, or hangs, and never mixes with send faults', () => {
    const faults = createFaults();
    faults.add({ code: 131000 });
    faults.addLatency({ latency_ms: 250, count: 2 });
    faults.addLatency({ hang: true, phone_number_id: '7' });
    expect(faults.takeLatency('1')?.latency_ms).toBe(250);
    expect(faults.takeLatency(undefined)?.latency_ms).toBe(250);
    expect(faults.takeLatency('1')).toBeUndefined();
    expect(faults.takeLatency('7')?.hang).toBe(true);
    expect(faults.take('1')?.code).toBe(131000);
  });

  it('gives an error rate per code with several ratio faults', () => {
    // draw 1: 0.05 < 0.1 → 131000; draw 2: 0.5 ≥ 0.1, then 0.01 < 0.02 → 130429
    const draws = [0.05, 0.5, 0.01, 0.9, 0.9];
    const faults = createFaults(() => draws.shift() ?? 1);
    faults.add({ code: 131000, ratio: 0.1 });
    faults.add({ code: 130429, ratio: 0.02 });
    expect([faults.take('1'), faults.take('1'), faults.take('1')].map((f) => f?.code)).toEqual([
      131000,
      130429,
      undefined,
    ]);
  });
});
