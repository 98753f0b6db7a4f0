/**
 * A gradient worker: computes forward, loss and backward for its slice of the
 * batch on the shared heap (its own activations and gradient regions, the
 * trainer's parameters), on request; then, for its range of the parameter
 * block, sums the slices' gradients and updates the parameters (pool.ts).
 */
import { parentPort } from 'node:worker_threads';
import { HeapPlan } from '../core/heap.js';
import { Rng } from '../core/rng.js';
import { kernelsOn } from '../kernels/index.js';
import { reduceRange, updateRange } from '../kernels/ref/update.js';
import { Network } from '../nn/network.js';
import type { FromWorker, ToWorker } from './protocol.js';

let net: Network | null = null;
const port = parentPort!;
const reply = (m: FromWorker): void => port.postMessage(m);

port.on('message', (m: ToWorker) => {
  void handle(m).catch((e: unknown) => reply({ type: 'error', message: (e as Error)?.message ?? String(e) }));
});

async function handle(m: ToWorker): Promise<void> {
  if (m.type === 'init') {
    const carry = HeapPlan.at(m.carryStart);
    net = new Network(HeapPlan.at(m.planStart), m.config, m.V, { B: m.B, T: m.T, train: true, dropout: m.dropout, lockedDropout: m.lockedDropout, weightDrop: m.weightDrop, embedDrop: m.embedDrop, sharedParams: m.params, carry });
    const k = await kernelsOn(m.kernels, m.memory, m.words, m.slot);
    net.attach(k);
    reply({ type: 'ready', kernels: k.name });
  } else if (m.type === 'step') {
    const n = net!;
    const rng = m.rng ? Rng.restore(m.rng) : null;
    n.zeroGrads();
    n.forward(m.T, n.B, rng);
    const loss = n.lossAndGrad();
    n.backward();
    reply({ type: 'done', loss, rng: rng ? rng.state() : null });
  } else if (m.type === 'reset') {
    net!.resetState();
  } else if (m.type === 'reduce') {
    reply({ type: 'reduced', sumSquares: reduceRange(net!.kernels.heap.f32, m.grads, m.weights, m.lo, m.hi) });
  } else if (m.type === 'update') {
    const k = net!.kernels;
    updateRange(k.heap.f32, k, m.step, m.params, m.grads, m.scale, m.clipValue, m.lo, m.hi);
    reply({ type: 'updated' });
  }
}
