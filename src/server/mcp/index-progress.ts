import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { IndexOptions } from '../../indexing/index-project.js';

/** What the SDK hands a tool besides its arguments: the cancel signal, the request's _meta, notifications. */
export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * Index progress that goes to the client as MCP progress notifications — one per written batch
 * (refreshIndex reports after each batch of at most 100 files or 250 ms) and one per embedding batch — when the
 * client asked for them with a progress token. The spec wants `progress` to increase with every notification, so
 * the two phases are one scale: files first, then chunks after them; a repeated value is not sent again.
 */
export function progressNotifier(extra: ToolExtra): Pick<IndexOptions, 'onProgress' | 'onEmbedProgress'> {
  const token = extra._meta?.progressToken;
  let files = 0;
  let sent = -1;
  const notify = (progress: number, total: number, message: string): void => {
    if (token === undefined || progress <= sent) return;
    sent = progress;
    extra
      .sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, progress, total, message },
      })
      .catch(() => {}); // a client gone mid-run must not fail the index run
  };
  return {
    onProgress: (progress) => {
      if (progress.phase !== 'parse' || progress.total === 0) return;
      files = progress.total;
      notify(progress.done, progress.total, `indexed ${progress.done}/${progress.total} files`);
    },
    onEmbedProgress: (progress) =>
      notify(files + progress.done, files + progress.total, `embedded ${progress.done}/${progress.total} chunks`),
  };
}
