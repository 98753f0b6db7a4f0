/**
 * A worker thread's next message, as a promise: resolved with the message,
 * rejected on an `{ type: 'error' }` message (named by `who`) or on the
 * worker's own error event. With `keepAlive` the worker is ref'd while the
 * promise is pending and unref'd after, so an idle worker never keeps the
 * process alive (a session left open does not hang it).
 */
import type { Worker } from 'node:worker_threads';

export function nextMessage<M extends { type: string }>(w: Worker, who: string, keepAlive = false): Promise<M> {
  if (keepAlive) w.ref();
  return new Promise((resolve, reject) => {
    const onMessage = (m: M): void => {
      cleanup();
      if (m.type === 'error') reject(new Error(`${who}: ${(m as { message?: string }).message}`));
      else resolve(m);
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const cleanup = (): void => {
      if (keepAlive) w.unref();
      w.off('message', onMessage);
      w.off('error', onError);
    };
    w.on('message', onMessage);
    w.on('error', onError);
  });
}
