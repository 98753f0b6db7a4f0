/** A Unicode sparkline (▁▂▃▄▅▆▇█) of a series, resampled to at most `width` cells. */
const BARS = '▁▂▃▄▅▆▇█';

export function sparkline(values: readonly number[], width = 40): string {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return '';
  // average the values that fall into each cell
  const cells = Math.min(width, v.length);
  const out: number[] = [];
  for (let c = 0; c < cells; c++) {
    const a = Math.floor((c * v.length) / cells), b = Math.max(a + 1, Math.floor(((c + 1) * v.length) / cells));
    let s = 0;
    for (let i = a; i < b; i++) s += v[i];
    out.push(s / (b - a));
  }
  const lo = Math.min(...out), hi = Math.max(...out);
  return out
    .map((x) => (hi === lo ? BARS[3] : BARS[Math.min(BARS.length - 1, Math.floor(((x - lo) / (hi - lo)) * BARS.length))]))
    .join('');
}
