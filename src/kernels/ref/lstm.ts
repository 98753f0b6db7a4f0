/**
 * Long short-term memory, exactly PyTorch's nn.LSTM (two bias vectors, gate
 * blocks stacked i | f | g | o):
 *
 *   i_t = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi)
 *   f_t = σ(W_if x_t + b_if + W_hf h_{t−1} + b_hf)
 *   g_t = tanh(W_ig x_t + b_ig + W_hg h_{t−1} + b_hg)
 *   o_t = σ(W_io x_t + b_io + W_ho h_{t−1} + b_ho)
 *   c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t
 *   h_t = o_t ⊙ tanh(c_t)
 *
 * Course notation: Γ_u = i (update), Γ_f = f (forget), c̃⟨t⟩ = g, Γ_o = o,
 * c⟨t⟩ = c_t, a⟨t⟩ = h_t.
 *
 * Shapes (one layer, G = 4 gate blocks):
 *   W_ih (4H, nIn)   W_hh (4H, H)   b_ih (4H)   b_hh (4H)
 *   gi, gh (B, 4H);  gates (B, 4H) cache [i | f | g | o];  c (B, H)
 */

export const LSTM_GATES = 4;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export function lstmForward(
  f: Float32Array, hNext: number, cNext: number, gates: number, gi: number, gh: number, cPrev: number, B: number, H: number,
): void {
  const G = 4 * H;
  for (let b = 0; b < B; b++) {
    const gRow = gates + b * G, iRow = gi + b * G, hRow = gh + b * G;
    for (let j = 0; j < H; j++) {
      const ig = sigmoid(f[iRow + j] + f[hRow + j]);
      const fg = sigmoid(f[iRow + H + j] + f[hRow + H + j]);
      const gg = Math.tanh(f[iRow + 2 * H + j] + f[hRow + 2 * H + j]);
      const og = sigmoid(f[iRow + 3 * H + j] + f[hRow + 3 * H + j]);
      const c = fg * f[cPrev + b * H + j] + ig * gg;
      f[gRow + j] = ig;
      f[gRow + H + j] = fg;
      f[gRow + 2 * H + j] = gg;
      f[gRow + 3 * H + j] = og;
      f[cNext + b * H + j] = c;
      f[hNext + b * H + j] = og * Math.tanh(c);
    }
  }
}

/**
 * Given dh = ∂J/∂h_t and dc = ∂J/∂c_t carried from step t+1 (both (B,H)):
 *   forward: h = o tanh(c)          →  do = dh tanh(c),  dc += dh o (1 − tanh²(c))
 *   forward: c = f cPrev + i g      →  di = dc g,  df = dc cPrev,  dg = dc i,  dcPrev = dc f
 *   pre-activations: σ' = s(1 − s), tanh' = 1 − t²
 * dG (B,4H) is the same for the gi and the gh side. The caller computes
 * dhPrev = dG W_hh (there is no direct path from h_t to h_{t−1}).
 */
export function lstmBackward(
  f: Float32Array, dG: number, dcPrev: number, dh: number, dc: number,
  gates: number, cNext: number, cPrev: number, B: number, H: number,
): void {
  const G = 4 * H;
  for (let b = 0; b < B; b++) {
    const gRow = gates + b * G, dRow = dG + b * G;
    for (let j = 0; j < H; j++) {
      const ig = f[gRow + j], fg = f[gRow + H + j], gg = f[gRow + 2 * H + j], og = f[gRow + 3 * H + j];
      const tc = Math.tanh(f[cNext + b * H + j]);
      const d = f[dh + b * H + j];
      const dcTotal = f[dc + b * H + j] + d * og * (1 - tc * tc);
      f[dRow + j] = dcTotal * gg * ig * (1 - ig);
      f[dRow + H + j] = dcTotal * f[cPrev + b * H + j] * fg * (1 - fg);
      f[dRow + 2 * H + j] = dcTotal * ig * (1 - gg * gg);
      f[dRow + 3 * H + j] = d * tc * og * (1 - og);
      f[dcPrev + b * H + j] = dcTotal * fg;
    }
  }
}
