/**
 * A preparation worker: runs the units of the current pass over the input
 * files (unit.ts) and sends each result back; when encoding, it writes the ids
 * into the shards itself, by position (shards.ts). Errors (a file that changed
 * under it, a full disk) go back as messages.
 */
import { parentPort } from 'node:worker_threads';
import { isRecurError } from '../core/errors.js';
import { InputReader } from './inputs.js';
import type { FromStoreWorker, ToStoreWorker } from './pool.js';
import { ShardFiles } from './shards.js';
import { FileUnits } from './unit.js';

const port = parentPort!;
let reader: InputReader | null = null;
let units: FileUnits | null = null;
let shards: ShardFiles[] = [];

port.on('message', (m: ToStoreWorker) => {
  if (m.type === 'pass') {
    reader?.close();
    for (const s of shards) s.close();
    reader = new InputReader(m.files);
    shards = m.shards ? [new ShardFiles(m.shards.train), ...(m.shards.val ? [new ShardFiles(m.shards.val)] : [])] : [];
    const direct = m.shards ? { train: shards[0], val: shards[1] ?? { write: () => { throw new RangeError('no validation stream'); } } } : undefined;
    units = new FileUnits(reader, m.options, m.vocab, m.dtype, m.chunkBytes, direct);
    return;
  }
  try {
    const output = units!.run(m.task, m.first, new Set(m.binary));
    port.postMessage({ type: 'result', index: m.task.index, output } satisfies FromStoreWorker);
  } catch (e) {
    const message = (e as Error)?.message ?? String(e);
    port.postMessage({ type: 'error', index: m.task.index, kind: isRecurError(e) ? e.kind : null, message } satisfies FromStoreWorker);
  }
});
