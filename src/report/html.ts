/**
 * The training report: one self-contained HTML page (inline CSS and SVG, no
 * scripts, nothing fetched) built from a RunRecord. Browser-safe.
 */
import { escapeHtml } from './colors.js';
import type { RunPoint, RunRecord } from './record.js';
import { lineChart } from './svg.js';

export const TRAIN_COLOR = '#2563eb';
export const VAL_COLOR = '#ea580c';
export const THROUGHPUT_COLOR = '#059669';

const STYLE = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1180px;padding:0 16px;color:#1f2937;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
.sub{color:#6b7280}.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
.card{border:1px solid #e5e7eb;border-radius:8px;padding:8px 14px;min-width:120px}.card b{display:block;font-size:19px}.card span{color:#6b7280;font-size:12px}
.charts{display:flex;flex-wrap:wrap;gap:16px}svg{background:#fff;border:1px solid #e5e7eb;border-radius:8px;max-width:100%;height:auto}
.ct{font-weight:600;font-size:13px;fill:#111827}.tk,.lg{font-size:11px;fill:#4b5563}.al{font-size:12px;fill:#374151}.na{font-size:14px;fill:#9ca3af}
.grid{stroke:#f0f1f3;stroke-width:1}.frame{fill:none;stroke:#d1d5db}
table{border-collapse:collapse;font-size:13px}td,th{border-bottom:1px solid #f0f1f3;padding:3px 12px 3px 0;text-align:left;vertical-align:top}
th{color:#6b7280;font-weight:500}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.samples td.mono{white-space:pre-wrap}.status{display:inline-block;padding:1px 8px;border-radius:10px;background:#eef2ff;color:#3730a3;font-size:12px}
`;

function fmtNum(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return x.toFixed(digits);
}

export function fmtDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60), h = Math.floor(m / 60);
  if (h > 0) return `${h} h ${m % 60} min`;
  return `${m} min ${Math.round(s % 60)} s`;
}

function fmtCount(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}K`;
  return String(Math.round(n));
}

function secondsLabel(s: number): string {
  if (s >= 3600) return `${Number((s / 3600).toPrecision(3))}h`;
  if (s >= 120) return `${Number((s / 60).toPrecision(3))}m`;
  return `${Number(s.toPrecision(3))}s`;
}

/** Tokens per second between consecutive training points. */
export function throughput(train: readonly RunPoint[], tokensPerStep: number | undefined): [number, number][] {
  if (!tokensPerStep) return [];
  const out: [number, number][] = [];
  for (let i = 1; i < train.length; i++) {
    const dt = (train[i].elapsedMs - train[i - 1].elapsedMs) / 1000;
    if (dt > 0) out.push([train[i].elapsedMs / 1000, ((train[i].step - train[i - 1].step) * tokensPerStep) / dt]);
  }
  return out;
}

function value(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'object') return `<code>${escapeHtml(JSON.stringify(v))}</code>`;
  return escapeHtml(String(v));
}

export function renderReport(r: RunRecord): string {
  const f = r.final;
  const cards: [string, string][] = [
    ['best validation loss', fmtNum(f.bestValLoss)],
    ['validation perplexity', f.bestValLoss !== null && f.bestValLoss !== undefined ? fmtNum(Math.exp(f.bestValLoss), 2) : '–'],
    ['last train loss', fmtNum(f.trainLoss)],
    ['steps', f.steps !== undefined ? String(f.steps) : '–'],
    ['epochs', fmtNum(f.epochs, 2)],
    ['time', fmtDuration(f.elapsedMs)],
    ['tokens / s', fmtCount(f.tokensPerSec)],
    ['parameters', fmtCount(f.parameters)],
  ];
  if (f.bestStep !== null && f.bestStep !== undefined) cards.splice(2, 0, ['best at step', String(f.bestStep)]);
  const train = r.train, val = r.val;
  const bySteps = lineChart(
    [
      { name: 'train loss', color: TRAIN_COLOR, points: train.map((p) => [p.step, p.loss]) },
      { name: 'validation loss', color: VAL_COLOR, points: val.map((p) => [p.step, p.loss]), dots: true },
    ],
    { title: 'Loss by step', xLabel: 'optimizer step', yLabel: 'loss (nats / token)', id: 'loss-steps' },
  );
  const byTime = lineChart(
    [
      { name: 'train loss', color: TRAIN_COLOR, points: train.map((p) => [p.elapsedMs / 1000, p.loss]) },
      { name: 'validation loss', color: VAL_COLOR, points: val.map((p) => [p.elapsedMs / 1000, p.loss]), dots: true },
    ],
    { title: 'Loss by wall-clock time', xLabel: 'elapsed', yLabel: 'loss (nats / token)', id: 'loss-time', xFormat: secondsLabel },
  );
  const tp = throughput(train, r.tokensPerStep);
  const tpChart = tp.length >= 2
    ? lineChart([{ name: 'tokens / s', color: THROUGHPUT_COLOR, points: tp }], { title: 'Throughput', xLabel: 'elapsed', yLabel: 'tokens / s', id: 'throughput', xFormat: secondsLabel })
    : '';
  const config = Object.entries(r.config)
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${value(v)}</td></tr>`)
    .join('');
  const samples = r.samples.length > 0
    ? `<table class="samples"><tr><th>step</th><th>samples</th></tr>${r.samples
        .map((s) => `<tr><td>${s.step}${s.valLoss !== undefined ? `<br><span class="sub">val ${fmtNum(s.valLoss)}</span>` : ''}</td><td class="mono">${s.texts.map(escapeHtml).join('\n')}</td></tr>`)
        .join('')}</table>`
    : '<p class="sub">No samples were recorded.</p>';
  const corpus = f.trainTokens !== undefined
    ? `<p class="sub">${fmtCount(f.trainTokens)} training tokens, ${fmtCount(f.valTokens)} validation tokens, vocabulary ${f.vocabSize ?? '–'}</p>`
    : f.vocabSize !== undefined ? `<p class="sub">vocabulary ${f.vocabSize}</p>` : '';
  const noHistory = train.length === 0 && val.length === 0
    ? '<p class="sub">This record holds no loss history (models written before recur stored it have none).</p>'
    : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>recur report: ${escapeHtml(r.title)}</title><style>${STYLE}</style></head>
<body>
<h1>recur training report</h1>
<div class="sub">${escapeHtml(r.title)} <span class="status">${escapeHtml(r.status)}</span>${r.createdAt ? ` · ${escapeHtml(r.createdAt)}` : ''}</div>
${corpus}
<div class="cards">${cards.map(([k, v]) => `<div class="card"><b>${escapeHtml(v)}</b><span>${escapeHtml(k)}</span></div>`).join('')}</div>
<h2>Loss curves</h2>
${noHistory}
<div class="charts">${bySteps}${byTime}</div>
${tpChart ? `<h2>Throughput</h2><div class="charts">${tpChart}</div>` : ''}
<h2>Samples along the way</h2>
${samples}
<h2>Configuration</h2>
<table>${config}</table>
</body></html>
`;
}
