/**
 * The heat-map scale shared by the terminal and the HTML pages: a token's
 * surprise, −log₂ p in bits, from 0 (certain: green) through yellow to
 * `maxBits` and beyond (surprising: red). Browser-safe.
 */
export const HEAT_MAX_BITS = 8;

/** 0 = likely … 1 = surprising */
export function surprise01(prob: number, maxBits = HEAT_MAX_BITS): number {
  if (!(prob > 0)) return 1;
  const bits = -Math.log2(Math.min(1, prob));
  return Math.min(1, Math.max(0, bits / maxBits));
}

/** [r, g, b] 0–255 for a surprise in [0, 1]: hue 120° (green) → 0° (red). */
export function heatRgb(s: number): [number, number, number] {
  const h = 120 * (1 - s), sat = 0.8, light = 0.62;
  // HSL → RGB
  const c = (1 - Math.abs(2 * light - 1)) * sat;
  const hp = h / 60, x = c * (1 - Math.abs((hp % 2) - 1));
  const [r1, g1, b1] = hp < 1 ? [c, x, 0] : hp < 2 ? [x, c, 0] : [0, c, x];
  const m = light - c / 2;
  return [Math.round((r1 + m) * 255), Math.round((g1 + m) * 255), Math.round((b1 + m) * 255)];
}

export function heatHex(s: number): string {
  return '#' + heatRgb(s).map((v) => v.toString(16).padStart(2, '0')).join('');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}
