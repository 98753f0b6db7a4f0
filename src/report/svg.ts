/** Line charts as inline SVG strings (no scripts, no external resources). Browser-safe. */
import { escapeHtml } from './colors.js';

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
  /** draw a dot at every point (for sparse series such as validation losses) */
  dots?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** format an x tick value */
  xFormat?: (x: number) => string;
  /** id prefix for the curves, so tests and styles can find them */
  id: string;
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const tick = (v: number): string => (Math.abs(v) >= 1e4 ? `${Number((v / 1e3).toPrecision(4))}K` : String(Number(v.toPrecision(4))));

export function lineChart(series: Series[], o: ChartOptions): string {
  const W = o.width ?? 560, H = o.height ?? 300;
  const m = { l: 56, r: 16, t: 30, b: 44 };
  const pw = W - m.l - m.r, ph = H - m.t - m.b;
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const head = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(o.title)}" id="${o.id}">` +
    `<text x="${m.l}" y="18" class="ct">${escapeHtml(o.title)}</text>`;
  if (all.length === 0) {
    return `${head}<text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="na">no data</text></svg>`;
  }
  let x0 = Math.min(...all.map((p) => p[0])), x1 = Math.max(...all.map((p) => p[0]));
  let y0 = Math.min(...all.map((p) => p[1])), y1 = Math.max(...all.map((p) => p[1]));
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  x0 = Math.min(x0, 0);
  const sx = (x: number): number => m.l + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number): number => m.t + ph - ((y - y0) / (y1 - y0)) * ph;
  const parts: string[] = [head];
  // grid and axes
  for (const v of niceTicks(y0, y1, 5)) {
    const y = sy(v).toFixed(1);
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${y}" y2="${y}" class="grid"/><text x="${m.l - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" class="tk">${tick(v)}</text>`);
  }
  for (const v of niceTicks(x0, x1, 6)) {
    const x = sx(v).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${m.t}" y2="${m.t + ph}" class="grid"/><text x="${x}" y="${m.t + ph + 16}" text-anchor="middle" class="tk">${escapeHtml((o.xFormat ?? tick)(v))}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" class="frame"/>`);
  parts.push(`<text x="${m.l + pw / 2}" y="${H - 6}" text-anchor="middle" class="al">${escapeHtml(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle" class="al">${escapeHtml(o.yLabel)}</text>`);
  // curves
  series.forEach((s, i) => {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length === 0) return;
    const d = pts.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${sx(x).toFixed(1)} ${sy(y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round" class="curve" data-series="${escapeHtml(s.name)}" id="${o.id}-${i}"/>`);
    if (s.dots || pts.length === 1) {
      for (const [x, y] of pts) parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${s.color}"/>`);
    }
    // legend
    const lx = m.l + pw - 150, ly = m.t + 14 + i * 18;
    parts.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="3"/><text x="${lx + 28}" y="${ly}" dominant-baseline="middle" class="lg">${escapeHtml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
