/**
 * Entry of the kernel module (AssemblyScript, compiled with SIMD by
 * scripts/build-wasm.mjs). Memory is imported; the kernels work on word
 * offsets into it. Nothing is allocated: the module's only own memory use is
 * its (tiny) static data below __heap_base, which the loader checks against
 * the prefix HeapPlan keeps free, and a scratch region set by `init`.
 */
import { scratch, SCRATCH_WORDS } from './common';
export { fusedMultiplyAdd } from './common';

/** Set this instance's scratch region (word offset, SCRATCH_WORDS long). */
export function init(scratchWord: i32): void {
  scratch = (<usize>scratchWord) << 2;
}

/** End of the module's static data (bytes); must not exceed the reserved prefix. */
export function heapBase(): i32 {
  return <i32>__heap_base;
}

export function scratchWords(): i32 {
  return SCRATCH_WORDS;
}

export { matmulNT, matmulNN, matmulTN, packWeights, matmulPacked, colSumAcc } from './matmul';
export { gatherRows, scatterAddRows } from './embedding';
export { rnnForward, rnnBackward } from './rnn';
export { gruForward, gruBackward } from './gru';
export { lstmForward, lstmBackward } from './lstm';
export { softmaxXent, logProbRows, maxOfRow as rowMax, expBlocks } from './softmax';
export { adamStep, adaptStep } from './optimizer';
export { matvecBf16 } from './bf16';
export { matvecInt8 } from './int8';
