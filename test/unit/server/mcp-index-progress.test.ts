import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progressNotifier, type ToolExtra } from '../../../src/server/mcp/index-progress.js';

type Sent = { progress: number; total: number; message: string };

function extraWith(progressToken: string | undefined, sent: Sent[]): ToolExtra {
  return {
    signal: new AbortController().signal,
    _meta: progressToken === undefined ? {} : { progressToken },
    sendNotification: async (notification: { params: Sent & { progressToken: string } }) => {
      assert.equal(notification.params.progressToken, progressToken);
      sent.push({
        progress: notification.params.progress,
        total: notification.params.total,
        message: notification.params.message,
      });
    },
  } as unknown as ToolExtra;
}

describe('MCP index progress', () => {
  it('one notification per written batch, files then chunks on one increasing scale, no repeats', async () => {
    const sent: Sent[] = [];
    const options = progressNotifier(extraWith('t1', sent));
    options.onProgress!({ phase: 'scan', done: 1000, total: 0 });
    options.onProgress!({ phase: 'parse', done: 100, total: 250 });
    options.onProgress!({ phase: 'parse', done: 200, total: 250 });
    options.onProgress!({ phase: 'parse', done: 250, total: 250 });
    options.onProgress!({ phase: 'parse', done: 250, total: 250 }); // the last flush, then "done"
    options.onProgress!({ phase: 'done', done: 250, total: 250 });
    options.onEmbedProgress!({ phase: 'embed', done: 64, total: 128 });
    options.onEmbedProgress!({ phase: 'embed', done: 128, total: 128 });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      sent.map(({ progress, total }) => [progress, total]),
      [
        [100, 250],
        [200, 250],
        [250, 250],
        [314, 378],
        [378, 378],
      ],
    );
    assert.equal(sent[0]!.message, 'indexed 100/250 files');
    assert.equal(sent[3]!.message, 'embedded 64/128 chunks');
  });

  it('sends nothing without a progress token', () => {
    const sent: Sent[] = [];
    const options = progressNotifier(extraWith(undefined, sent));
    options.onProgress!({ phase: 'parse', done: 100, total: 100 });
    assert.deepEqual(sent, []);
  });
});
