import { randomBytes } from 'node:crypto';
import { createLocalKeyProvider, createSealer, type Sealer } from '../index';

/** A sealer with a fresh random master key, for tests. */
export function testSealer(): Sealer {
  return createSealer(createLocalKeyProvider({ masterKey: randomBytes(32) }));
}
