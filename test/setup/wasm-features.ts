// In every test worker, what the Node entry (src/index.ts) does when loaded: allow
// the fma kernels on Node 20 (a V8 flag, set before any module is compiled).
import { enableWasmRelaxedSimd } from '../../src/node/wasm-features.js';

enableWasmRelaxedSimd();
