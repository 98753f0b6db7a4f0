/**
 * Vanilla (Elman) RNN cell with tanh, exactly PyTorch's nn.RNN(nonlinearity='tanh').
 *
 *   PyTorch:  h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)
 *   Course:   a⟨t⟩ = tanh(W_ax x⟨t⟩ + W_aa a⟨t−1⟩ + b_a),  with b_a = b_ih + b_hh
 *
 * Shapes (one layer, G = 1 gate block):
 *   W_ih (H, nIn)   W_hh (H, H)   b_ih (H)   b_hh (H)
 *   gi = x W_ihᵀ + b_ih   (B, H)      computed for the whole window at once
 *   gh = h W_hhᵀ + b_hh   (B, H)      computed step by step (the recurrence)
 *
 * This file holds the pointwise part of a step; the matrix products are done
 * by the caller (nn/network.ts) through the kernels.
 */

export const RNN_GATES = 1;

/** hNext(B,H) = tanh(gi + gh). */
export function rnnForward(f: Float32Array, hNext: number, gi: number, gh: number, B: number, H: number): void {
  for (let i = 0; i < B * H; i++) f[hNext + i] = Math.tanh(f[gi + i] + f[gh + i]);
}

/**
 * dG(B,H) = ∂J/∂(pre-activation), the same for the gi and the gh side.
 * In the forward pass this was:  hNext = tanh(pre)
 * so now we have:                dpre = dh ⊙ (1 − hNext²)
 * The caller turns dG into dhPrev = dG W_hh, dW_hh += dGᵀ hPrev, dW_ih += dGᵀ x.
 */
export function rnnBackward(f: Float32Array, dG: number, dh: number, hNext: number, B: number, H: number): void {
  for (let i = 0; i < B * H; i++) {
    const h = f[hNext + i];
    f[dG + i] = f[dh + i] * (1 - h * h);
  }
}
