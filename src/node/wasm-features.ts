/**
 * Node only: turn on WebAssembly relaxed SIMD (the `fma` kernels) in engines
 * that have it behind a flag. Node 20's V8 (11.3) needs
 * --experimental-wasm-relaxed-simd; from V8 11.4 (Node 22) it is on by
 * default. The flag cannot go through NODE_OPTIONS, but V8 accepts it at run
 * time as long as no module using it has been compiled yet. V8 flags are
 * per process, so worker threads started afterwards have it too.
 *
 * The Node entry (src/index.ts) calls it when it is loaded, and the trainer
 * before it creates kernels; the browser entry never reaches node:v8 (in
 * browsers that have relaxed SIMD it is on).
 */
import { setFlagsFromString } from 'node:v8';

let done = false;

/** Ask V8 for relaxed SIMD (idempotent; harmless where it is already on). */
export function enableWasmRelaxedSimd(): void {
  if (done) return;
  done = true;
  setFlagsFromString('--experimental-wasm-relaxed-simd');
}
