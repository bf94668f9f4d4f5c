// A small seeded generator. Every input of a fuzz run is made from its own generator, seeded by
// (run seed, input index), so one failing input is reproduced alone from those two numbers
// (`npm run chaos -- fuzz --seed=S --only=I`) without replaying the run before it.

export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max] (both included). */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/** mulberry32: 32 bits of state, good enough spread for test inputs, and the same on every machine. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(0, items.length - 1)] as T;
    },
  };
}

/** The generator of input `index` of the run seeded `seed`. */
export function inputRng(seed: number, index: number): Rng {
  // Spread neighbouring indexes apart (golden-ratio increment) before mulberry32 mixes them.
  return createRng((seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0);
}
