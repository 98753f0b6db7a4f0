/** recur score: KenLM and SRILM formats (formulas checked on hand-computed numbers), the heat map, --html. */
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cppDouble, formatKenlm, formatSrilm, kenlmSummary, srilmPerplexity, srilmSummary } from '../../src/infer/lmformats.js';
import type { SentenceScore, TokenScore } from '../../src/infer/score.js';
import { recurWith, ESC } from '../helpers/ui-cli.js';

const tok = (token: string, id: number, prob: number, oov = false): TokenScore => ({ token, id, prob, logprob: Math.log(prob), oov });
function sentence(text: string, tokens: TokenScore[]): SentenceScore {
  const logprob = tokens.reduce((a, t) => a + t.logprob, 0);
  return { text, tokens, logprob, log10prob: logprob / Math.LN10, prob: Math.exp(logprob), perplexity: Math.exp(-logprob / tokens.length), oov: tokens.filter((t) => t.oov).length };
}

describe('number formatting like C++ ostream', () => {
  it('six significant digits, %g style', () => {
    expect(cppDouble(-11.58567)).toBe('-11.5857');
    expect(cppDouble(207.5551)).toBe('207.555');
    expect(cppDouble(787.8)).toBe('787.8');
    expect(cppDouble(-0.0341066)).toBe('-0.0341066');
    expect(cppDouble(1234567)).toBe('1.23457e+06');
    expect(cppDouble(0.00001234)).toBe('1.234e-05');
    expect(cppDouble(100)).toBe('100');
    expect(cppDouble(-Infinity)).toBe('-inf');
  });
});

describe('SRILM ngram -ppl', () => {
  it("users.md's check: L = -11.58567, W = 4, S = 1 → ppl 207.555, ppl1 787.80", () => {
    const { ppl, ppl1 } = srilmPerplexity(-11.58567, 4, 0, 0, 1);
    expect(ppl).toBeCloseTo(207.555, 2);
    expect(ppl1).toBeCloseTo(787.80, 1);
    expect(cppDouble(ppl)).toBe('207.555');
  });
  it('OOVs are left out of logprob and of both counts; </s> counts for ppl, not ppl1', () => {
    // "a b c": a p=0.1, b OOV (p=0.01 as <unk>), c p=0.001, </s> p=0.5
    const s = sentence('a b c', [tok('a', 2, 0.1), tok('b', 1, 0.01, true), tok('c', 3, 0.001), tok('<eos>', 0, 0.5)]);
    const r = srilmSummary([s]);
    const L = -1 - 3 + Math.log10(0.5); // -4.30103
    expect(r).toMatchObject({ sentences: 1, words: 3, oovs: 1, zeroprobs: 0 });
    expect(r.logprob).toBeCloseTo(L, 10);
    expect(r.ppl).toBeCloseTo(10 ** (-L / 3), 8); // W - O + S = 3
    expect(r.ppl1).toBeCloseTo(10 ** (-L / 2), 8); // W - O = 2
    expect(formatSrilm([s], 'test.txt')).toBe('file test.txt: 1 sentences, 3 words, 1 OOVs\n0 zeroprobs, logprob= -4.30103 ppl= 27.1442 ppl1= 141.421\n');
  });
});

describe('KenLM query', () => {
  it('per-token lines, Total/OOV per sentence, perplexities including and excluding OOVs', () => {
    const s = sentence('a b', [tok('a', 2, 0.1), tok('b', 1, 0.01, true), tok('<eos>', 0, 0.5)]);
    const k = kenlmSummary([s]);
    const total = -1 - 2 + Math.log10(0.5);
    expect(k.tokens).toBe(3);
    expect(k.pplIncludingOov).toBeCloseTo(10 ** (-total / 3), 8); // 12.599
    expect(k.pplExcludingOov).toBeCloseTo(10 ** (-(total + 2) / 2), 8); // 4.4721
    const out = formatKenlm([s]).split('\n');
    expect(out[0]).toBe('a=2 1 -1\tb=0 1 -2\t</s>=1 1 -0.30103\tTotal: -3.30103 OOV: 1');
    expect(out.slice(1)).toEqual(['Perplexity including OOVs:\t12.5992', 'Perplexity excluding OOVs:\t4.47214', 'OOVs:\t1', 'Tokens:\t3', '']);
  });
});

describe('recur score in the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recur-score-'));
  const model = join(dir, 'm.safetensors');
  beforeAll(async () => {
    const corpus = join(dir, 'c.txt');
    writeFileSync(corpus, 'anna\nbob\ncarla\ndave\nemma\n'.repeat(4));
    const r = await recurWith(['train', corpus, '--hidden', '8', '--embed', '4', '--batch', '2', '--seq-len', '8', '--steps', '5', '--kernels', 'reference', '-q', '-o', model]);
    expect(r.code).toBe(0);
  });
  it('--format kenlm and srilm agree with --json', async () => {
    const j = await recurWith(['score', model, 'anna', 'bØb', '--json']);
    const scores = j.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const k = await recurWith(['score', model, 'anna', 'bØb', '--format', 'kenlm']);
    expect(k.code).toBe(0);
    const lines = k.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^a=\d+ 1 -[\d.]+\tn=/);
    expect(lines[1]).toMatch(/\tØ=0 1 -[\d.]+\t.*<\/s>=1 1 -[\d.e+-]+\tTotal: -[\d.]+ OOV: 1$/);
    const total = Number(/Total: (\S+)/.exec(lines[0])![1]);
    expect(total).toBeCloseTo(scores[0].log10prob, 4);
    expect(lines[5]).toBe(`Tokens:\t${scores[0].tokens.length + scores[1].tokens.length}`);
    const s = await recurWith(['score', model, 'anna', 'bØb', '--format', 'srilm']);
    expect(s.stdout).toMatch(/^file -: 2 sentences, 7 words, 1 OOVs\n0 zeroprobs, logprob= -[\d.]+ ppl= [\d.]+ ppl1= [\d.]+\n$/);
  });
  it('colours tokens only when colour is on; --html writes a self-contained heat map page', async () => {
    const plain = await recurWith(['score', model, 'anna']);
    expect(plain.stdout.split('\n')[0]).toBe('anna');
    expect(plain.stdout).not.toContain(ESC);
    const colour = await recurWith(['score', model, 'anna'], { env: { FORCE_COLOR: '3' } });
    expect(colour.stdout.split('\n')[0]).toMatch(/\x1b\[48;2;\d+;\d+;\d+m.*a/);
    const html = join(dir, 'h.html');
    const h = await recurWith(['score', model, 'anna', 'b<b', '--html', html]);
    expect(h.code).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(page.match(/data-p=/g)!.length).toBe(5 + 4); // a n n a ⏎, b < b ⏎
    expect(page).toContain('>&lt;</span>');
  });
});
