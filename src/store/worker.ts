/**
 * A preparation worker: runs the units of the current pass over the input
 * files (unit.ts) and sends each result back, encoded ids as transferred
 * buffers. Errors (a file that changed under it) go back as messages.
 */
import { parentPort } from 'node:worker_threads';
import { isRecurError } from '../core/errors.js';
import { InputReader } from './inputs.js';
import type { FromStoreWorker, ToStoreWorker } from './pool.js';
import { FileUnits } from './unit.js';

const port = parentPort!;
let reader: InputReader | null = null;
let units: FileUnits | null = null;

port.on('message', (m: ToStoreWorker) => {
  if (m.type === 'pass') {
    reader?.close();
    reader = new InputReader(m.files);
    units = new FileUnits(reader, m.options, m.vocab, m.dtype, m.chunkBytes);
    return;
  }
  try {
    const output = units!.run(m.task, m.first, new Set(m.binary));
    const transfer = output.ids ? [...output.ids.train, ...output.ids.val].map((b) => b.buffer as ArrayBuffer) : [];
    port.postMessage({ type: 'result', index: m.task.index, output } satisfies FromStoreWorker, transfer);
  } catch (e) {
    const message = (e as Error)?.message ?? String(e);
    port.postMessage({ type: 'error', index: m.task.index, kind: isRecurError(e) ? e.kind : null, message } satisfies FromStoreWorker);
  }
});
