import { describe, expect, it } from 'vitest';
import { verdictStatus } from './template-status';

describe('verdictStatus', () => {
  it("maps Meta's webhook events to registry statuses, and leaves the status alone for a warning or an unknown event", () => {
    expect(verdictStatus('APPROVED')).toBe('approved');
    expect(verdictStatus('REINSTATED')).toBe('approved');
    expect(verdictStatus('REJECTED')).toBe('rejected');
    expect(verdictStatus('PAUSED')).toBe('paused');
    expect(verdictStatus('DISABLED')).toBe('disabled');
    expect(verdictStatus('PENDING_DELETION')).toBe('pending');
    expect(verdictStatus('ARCHIVED')).toBe('deleted');
    expect(verdictStatus('FLAGGED')).toBeUndefined();
    expect(verdictStatus('SOMETHING_NEW')).toBeUndefined();
  });
});
