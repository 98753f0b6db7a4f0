/** The reference kernel set: scalar TypeScript, the specification of every kernel. */
import type { Heap } from '../../core/heap.js';
import type { Kernels } from '../kernels.js';
import { matmulNT, matmulNN, matmulTN, packWeights, matmulPacked, colSumAcc } from './matmul.js';
import { softmaxXent, logProbRows, rowMax, expBlocks } from './softmax.js';
import { gatherRows, scatterAddRows } from './embedding.js';
import { rnnForward, rnnBackward } from './rnn.js';
import { gruForward, gruBackward } from './gru.js';
import { lstmForward, lstmBackward } from './lstm.js';
import { adamStep, adaptStep } from './update.js';
import { packBf16, matvecBf16 } from './bf16.js';
import { packInt8, matvecInt8 } from './int8.js';

export function referenceKernels(heap: Heap): Kernels {
  const f = heap.f32, i32 = heap.i32;
  return {
    name: 'reference',
    heap,
    matmulNT: (c, a, b, bias, M, N, K, acc) => matmulNT(f, c, a, b, bias, M, N, K, acc),
    matmulNN: (c, a, b, M, N, K, acc) => matmulNN(f, c, a, b, M, N, K, acc),
    matmulTN: (c, a, b, M, N, K, acc) => matmulTN(f, c, a, b, M, N, K, acc),
    packWeights: (p, w, N, K, nk) => packWeights(f, p, w, N, K, nk),
    matmulPacked: (c, a, p, bias, M, N, K, acc) => matmulPacked(f, c, a, p, bias, M, N, K, acc),
    colSumAcc: (out, a, M, N) => colSumAcc(f, out, a, M, N),
    gatherRows: (out, table, ids, M, E) => gatherRows(f, i32, out, table, ids, M, E),
    scatterAddRows: (dt, dout, ids, M, E) => scatterAddRows(f, i32, dt, dout, ids, M, E),
    rnnForward: (hNext, gi, gh, B, H) => rnnForward(f, hNext, gi, gh, B, H),
    rnnBackward: (dG, dh, hNext, B, H) => rnnBackward(f, dG, dh, hNext, B, H),
    gruForward: (hNext, gates, gi, gh, hPrev, B, H) => gruForward(f, hNext, gates, gi, gh, hPrev, B, H),
    gruBackward: (dGi, dGh, dhPrev, dh, gates, gh, hPrev, B, H) =>
      gruBackward(f, dGi, dGh, dhPrev, dh, gates, gh, hPrev, B, H),
    lstmForward: (hNext, cNext, gates, gi, gh, cPrev, B, H) => lstmForward(f, hNext, cNext, gates, gi, gh, cPrev, B, H),
    lstmBackward: (dG, dcPrev, dh, dc, gates, cNext, cPrev, B, H) =>
      lstmBackward(f, dG, dcPrev, dh, dc, gates, cNext, cPrev, B, H),
    softmaxXent: (dl, l, t, M, V, scale) => softmaxXent(f, i32, dl, l, t, M, V, scale),
    logProbRows: (out, l, t, M, V) => logProbRows(f, i32, out, l, t, M, V),
    rowMax: (x, n) => rowMax(f, x, n),
    expBlocks: (out, x, n, shift, scale, blocks) => expBlocks(f, out, x, n, shift, scale, blocks),
    adamStep: (p, g, m, v, n, b1, b2, eps, s, c2, wd) => adamStep(f, p, g, m, v, n, b1, b2, eps, s, c2, wd),
    adaptStep: (p, g, p0, n, lr, decay) => adaptStep(f, p, g, p0, n, lr, decay),
    packBf16: (p, w, N, K) => packBf16(heap, p, w, N, K),
    matvecBf16: (c, x, p, bias, N, K) => matvecBf16(heap, c, x, p, bias, N, K),
    packInt8: (p, w, N, K) => packInt8(heap, p, w, N, K),
    matvecInt8: (c, x, p, bias, N, K) => matvecInt8(heap, c, x, p, bias, N, K),
  };
}
