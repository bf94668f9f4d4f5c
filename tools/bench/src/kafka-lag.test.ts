import { describe, expect, it } from 'vitest';
import { topicLag } from './kafka-lag';

describe('topicLag', () => {
  it('sums end − committed over the partitions', () => {
    const ends = [
      { partition: 0, high: '100', low: '0' },
      { partition: 1, high: '50', low: '0' },
    ];
    expect(
      topicLag(ends, [
        { partition: 0, offset: '90' },
        { partition: 1, offset: '50' },
      ]),
    ).toBe(10);
  });

  it('counts everything still stored on a partition the group never committed', () => {
    const ends = [
      { partition: 0, high: '30', low: '10' },
      { partition: 1, high: '0', low: '0' },
    ];
    expect(topicLag(ends, [{ partition: 0, offset: '-1' }])).toBe(20);
    expect(topicLag(ends, [])).toBe(20);
  });

  it('never counts a commit past the end (a reading taken between two fetches) as negative lag', () => {
    expect(topicLag([{ partition: 0, high: '5', low: '0' }], [{ partition: 0, offset: '7' }])).toBe(0);
  });
});
