import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestDeadline } from '../../../src/providers/request-deadline.js';

describe('RequestDeadline', () => {
  it('aborts on its timeout and says so', async () => {
    const deadline = new RequestDeadline(20);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(deadline.signal.aborted, true);
    assert.equal(deadline.timedOut, true);
    assert.equal((deadline.signal.reason as DOMException).name, 'TimeoutError');
    deadline.dispose();
  });

  it("follows the caller's signal (already aborted or later), without calling it a timeout", () => {
    const caller = new AbortController();
    const deadline = new RequestDeadline(10_000, caller.signal);
    caller.abort(new Error('client went away'));
    assert.equal(deadline.signal.aborted, true);
    assert.equal(deadline.timedOut, false);
    deadline.dispose();
    const early = new RequestDeadline(10_000, AbortSignal.abort());
    assert.equal(early.signal.aborted, true);
    early.dispose();
  });

  it('after dispose neither the timer nor the caller aborts it', async () => {
    const caller = new AbortController();
    const deadline = new RequestDeadline(20, caller.signal);
    deadline.dispose();
    await new Promise((resolve) => setTimeout(resolve, 60));
    caller.abort();
    assert.equal(deadline.signal.aborted, false);
  });
});
