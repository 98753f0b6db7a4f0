/**
 * Gated recurrent unit, exactly PyTorch's nn.GRU (reset gate applied after the
 * recurrent product, two bias vectors, gate blocks stacked r | z | n):
 *
 *   r_t = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr)
 *   z_t = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz)
 *   n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t−1} + b_hn))
 *   h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}
 *
 * Course notation (Sequence Models, week 1): a⟨t⟩ = h_t, Γ_r = r, c̃⟨t⟩ = n,
 * and the update gate is inverted: Γ_u = 1 − z, so
 *   c⟨t⟩ = Γ_u ⊙ c̃⟨t⟩ + (1 − Γ_u) ⊙ c⟨t−1⟩   is the same line as   h_t above.
 * (The course applies Γ_r before the product, W_c[Γ_r ⊙ c⟨t−1⟩, x⟨t⟩]; PyTorch,
 * cuDNN and Keras reset_after=True apply it after, as here, so weights interchange.)
 *
 * Shapes (one layer, G = 3 gate blocks):
 *   W_ih (3H, nIn)   W_hh (3H, H)   b_ih (3H)   b_hh (3H)
 *   gi = x W_ihᵀ + b_ih  (B, 3H)  [gi_r | gi_z | gi_n] per row
 *   gh = h W_hhᵀ + b_hh  (B, 3H)  [gh_r | gh_z | gh_n] per row
 *   gates (B, 3H) cache [r | z | n] per row, kept for the backward pass
 */

export const GRU_GATES = 3;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export function gruForward(
  f: Float32Array, hNext: number, gates: number, gi: number, gh: number, hPrev: number, B: number, H: number,
): void {
  const G = 3 * H;
  for (let b = 0; b < B; b++) {
    const gRow = gates + b * G, iRow = gi + b * G, hRow = gh + b * G;
    for (let j = 0; j < H; j++) {
      const r = sigmoid(f[iRow + j] + f[hRow + j]);
      const z = sigmoid(f[iRow + H + j] + f[hRow + H + j]);
      const n = Math.tanh(f[iRow + 2 * H + j] + r * f[hRow + 2 * H + j]);
      const hp = f[hPrev + b * H + j];
      f[gRow + j] = r;
      f[gRow + H + j] = z;
      f[gRow + 2 * H + j] = n;
      f[hNext + b * H + j] = (1 - z) * n + z * hp;
    }
  }
}

/**
 * Given dh = ∂J/∂h_t (B,H), writes the pre-activation gradients of both sides
 * and the direct part of ∂J/∂h_{t−1}:
 *   forward: h = (1 − z) n + z hPrev  →  dn = dh (1 − z),  dz = dh (hPrev − n),  dhPrev = dh z
 *   forward: n = tanh(gi_n + r gh_n)   →  dnPre = dn (1 − n²),  dr = dnPre gh_n,  dgh_n = dnPre r
 *   forward: r = σ(gi_r + gh_r)        →  drPre = dr r (1 − r)   (z alike)
 *   dGi = [drPre | dzPre | dnPre],  dGh = [drPre | dzPre | dnPre r]
 * The caller adds the recurrent part: dhPrev += dGh W_hh.
 */
export function gruBackward(
  f: Float32Array, dGi: number, dGh: number, dhPrev: number, dh: number,
  gates: number, gh: number, hPrev: number, B: number, H: number,
): void {
  const G = 3 * H;
  for (let b = 0; b < B; b++) {
    const gRow = gates + b * G, hRow = gh + b * G, diRow = dGi + b * G, dhRow = dGh + b * G;
    for (let j = 0; j < H; j++) {
      const r = f[gRow + j], z = f[gRow + H + j], n = f[gRow + 2 * H + j];
      const d = f[dh + b * H + j];
      const hp = f[hPrev + b * H + j];
      const dnPre = d * (1 - z) * (1 - n * n);
      const dzPre = d * (hp - n) * z * (1 - z);
      const drPre = dnPre * f[hRow + 2 * H + j] * r * (1 - r);
      f[diRow + j] = drPre;
      f[diRow + H + j] = dzPre;
      f[diRow + 2 * H + j] = dnPre;
      f[dhRow + j] = drPre;
      f[dhRow + H + j] = dzPre;
      f[dhRow + 2 * H + j] = dnPre * r;
      f[dhPrev + b * H + j] = d * z;
    }
  }
}
