import { describe, expect, it } from 'vitest';
import { reconnectDelay, streamUrl } from './stream';

describe('the live stream client', () => {
  it('resumes after the last seq, with the token never in the URL', () => {
    expect(streamUrl('https://api.example.org', 41)).toBe('wss://api.example.org/v1/stream?after=41');
    expect(streamUrl('http://127.0.0.1:8080', null)).toBe('ws://127.0.0.1:8080/v1/stream');
  });

  it('backs off exponentially up to 30 s, with jitter of ±25 %', () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((attempt) => reconnectDelay(attempt, mid))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
    expect(reconnectDelay(0, () => 0)).toBe(750);
    expect(reconnectDelay(0, () => 0.999999)).toBe(1250);
  });
});
