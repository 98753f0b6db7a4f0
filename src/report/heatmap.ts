/** `recur score --html`: the scored sentences as a heat map page (self-contained, no scripts). Browser-safe. */
import type { SentenceScore } from '../infer/score.js';
import { HEAT_MAX_BITS, escapeHtml, heatHex, surprise01 } from './colors.js';

export function renderHeatmapPage(scores: readonly SentenceScore[], o: { title: string; level: 'char' | 'word' }): string {
  const sep = o.level === 'word' ? ' ' : '';
  const rows = scores
    .map((s) => {
      const toks = s.tokens
        .map((t) => {
          const shown = t.token === '<eos>' && t.id === 0 ? '⏎' : t.token;
          const tip = `${t.token}${t.oov ? ' (not in the vocabulary, scored as <unk>)' : ''}: p = ${t.prob.toPrecision(4)}, log p = ${t.logprob.toFixed(3)}`;
          return `<span class="t${t.oov ? ' oov' : ''}" style="background:${heatHex(surprise01(t.prob))}" title="${escapeHtml(tip)}" data-p="${t.prob}">${escapeHtml(shown)}</span>`;
        })
        .join(sep);
      return `<tr><td class="s">${toks}</td><td>${s.log10prob.toFixed(3)}</td><td>${s.perplexity.toFixed(2)}</td><td>${s.oov}</td></tr>`;
    })
    .join('\n');
  const legend = Array.from({ length: 9 }, (_, i) => `<span class="t" style="background:${heatHex(i / 8)}">${i === 0 ? 'p=1' : `2<sup>−${i}</sup>`}</span>`).join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>recur score: ${escapeHtml(o.title)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#1f2937}
h1{font-size:20px}.sub{color:#6b7280}table{border-collapse:collapse;margin-top:12px}
td,th{padding:6px 14px 6px 0;border-bottom:1px solid #f0f1f3;text-align:left;vertical-align:top}th{color:#6b7280;font-weight:500}
td.s{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:16px;line-height:2}
.t{color:#111;padding:2px 1px;border-radius:3px;white-space:pre}.oov{outline:2px dashed #111;outline-offset:-2px}
.legend .t{display:inline-block;min-width:34px;text-align:center;margin-right:2px;font-size:12px}
</style></head><body>
<h1>recur score</h1>
<div class="sub">${escapeHtml(o.title)} · each token coloured by its probability given the tokens before it (hover for the numbers); ⏎ is the end of the sentence; dashed: not in the vocabulary</div>
<p class="legend">${legend} <span class="sub">surprise in bits, red from ${HEAT_MAX_BITS} bits on</span></p>
<table><tr><th>sentence</th><th>log10 p</th><th>perplexity</th><th>OOV</th></tr>
${rows}
</table></body></html>
`;
}
