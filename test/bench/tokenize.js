#!/usr/bin/env node
/**
 * Word tokenizers' speed: tokens per second of forEachToken, called once per
 * line as corpus preparation calls it, for the default and the segment
 * tokenizer on generated Japanese-like and English-like text (a few MB each,
 * from a seeded generator), measured alternately in one process: medians of
 * the rounds in tokens/s and MB/s, and the median of the rounds' segment/default
 * time ratios (the two cut Japanese into different numbers of tokens, so the time
 * per MB is the comparison that counts). For reference, Intl.Segmenter
 * over whole lines (what segmenting every script would cost), and the two
 * tokenizers on lines of some 8,000 code units of Japanese. Runs over the
 * built package: `npm run build` first.
 *
 *   node test/bench/tokenize.js            about 3 MB of each text, 7 rounds
 *   node test/bench/tokenize.js --quick    a third of that, 3 rounds
 */
import { forEachToken } from '../../dist/data/tokenize.js';
import { Rng } from '../../dist/core/rng.js';

const quick = process.argv.includes('--quick');
const BYTES = quick ? 1_000_000 : 3_000_000;
const ROUNDS = quick ? 3 : 7;

const pick = (rng, xs) => xs[rng.int(xs.length)];

// Japanese-like: clauses of nouns (kanji, katakana), particles and verb forms,
// numbers with counters, 、 and 。; occasional Latin words.
const JA_NOUNS = ['東京', '大阪', '学校', '先生', '学生', '電車', '会社', '友達', '図書館', '天気', '新聞', '映画', '音楽', '料理',
  '日本語', '研究', '経済', '政府', '問題', '時間', 'コーヒー', 'ラーメン', 'コンピューター', 'ニュース', 'テレビ', 'パン', 'メール',
  '駅', '本', '水', '山', '川', '町', '雨', '猫', '犬', '部屋', '窓', '手紙', '写真', '旅行', '仕事', '家族', '子供', '昨日', '今日', '明日'];
const JA_PARTICLES = ['は', 'が', 'を', 'に', 'で', 'と', 'の', 'も', 'から', 'まで', 'へ'];
const JA_VERBS = ['行きました', '食べる', '買った', '見ています', '書きます', '読んだ', '話しました', '来る', 'あります', 'いる',
  '思います', '作った', '使っている', '聞きました', '分かりません', '始まる', '終わった', '待っていた', 'です', 'でした'];
const JA_COUNTERS = ['人', '年', '月', '日', '円', '本', '冊', '回', '時', '分'];
const LATIN = ['iPhone', 'Web', 'AI', 'OK', 'USB', 'Tokyo'];

function japaneseLine(rng) {
  let s = '';
  const clauses = 1 + rng.int(3);
  for (let c = 0; c < clauses; c++) {
    const phrases = 1 + rng.int(3);
    for (let p = 0; p < phrases; p++) {
      const r = rng.next();
      if (r < 0.1) s += String(1 + rng.int(2030)) + pick(rng, JA_COUNTERS);
      else if (r < 0.14) s += pick(rng, LATIN);
      else s += pick(rng, JA_NOUNS);
      s += pick(rng, JA_PARTICLES);
    }
    s += pick(rng, JA_VERBS) + (c + 1 < clauses ? (rng.next() < 0.5 ? 'が、' : '、') : rng.next() < 0.1 ? '？' : '。');
  }
  return s;
}

// English-like: words, some with inner apostrophes or hyphens, numbers, prose punctuation.
const EN_WORDS = ['the', 'of', 'and', 'to', 'a', 'in', 'that', 'it', 'was', 'he', 'for', 'on', 'are', 'with', 'as', 'his', 'they',
  'at', 'be', 'this', 'from', 'have', 'or', 'by', 'one', 'had', 'not', 'but', 'what', 'all', 'were', 'when', 'we', 'there', 'can',
  'time', 'people', 'water', 'morning', 'government', 'question', 'afternoon', 'remember', 'beautiful', 'Tokyo', 'London', 'Mary',
  "don't", "it's", "wasn't", 'well-known', 'state-of-the-art', 'to-morrow'];
const EN_PUNCT = [',', ',', ';', ':'];

function englishLine(rng) {
  let s = '';
  const words = 6 + rng.int(18);
  for (let w = 0; w < words; w++) {
    const r = rng.next();
    let word = r < 0.03 ? String(rng.int(10000)) : r < 0.04 ? `${rng.int(100)}.${rng.int(100)}` : pick(rng, EN_WORDS);
    if (w === 0) word = word[0].toUpperCase() + word.slice(1);
    s += (w > 0 ? ' ' : '') + word;
    if (w + 1 < words && rng.next() < 0.08) s += pick(rng, EN_PUNCT);
  }
  return s + (rng.next() < 0.1 ? '?' : '.');
}

function generate(lineFn, seed) {
  const rng = new Rng(seed), lines = [];
  let bytes = 0;
  while (bytes < BYTES) {
    const l = lineFn(rng);
    lines.push(l);
    bytes += Buffer.byteLength(l) + 1;
  }
  return lines;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const word = (tokenize) => ({ level: 'word', tokenize, lowercase: false });
const METHODS = {
  default: (lines) => {
    let n = 0;
    const o = word('default');
    for (const l of lines) forEachToken(l, o, () => n++);
    return n;
  },
  segment: (lines) => {
    let n = 0;
    const o = word('segment');
    for (const l of lines) forEachToken(l, o, () => n++);
    return n;
  },
  // the reference: every line through Intl.Segmenter, white space dropped
  'Intl.Segmenter, whole lines': (lines) => {
    let n = 0;
    const seg = new Intl.Segmenter('en', { granularity: 'word' });
    for (const l of lines) for (const s of seg.segment(l)) if (s.segment.trim().length > 0) n++;
    return n;
  },
};

function bench(name, lines, names = Object.keys(METHODS)) {
  const mb = lines.reduce((b, l) => b + Buffer.byteLength(l) + 1, 0) / 1e6;
  const seconds = Object.fromEntries(names.map((m) => [m, []]));
  const tokens = {};
  for (const m of names) tokens[m] = METHODS[m](lines.slice(0, 2000)); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    // alternate the order from round to round, so that drift on a shared machine hits all alike
    for (const m of r % 2 === 0 ? names : [...names].reverse()) {
      const t0 = performance.now();
      tokens[m] = METHODS[m](lines);
      seconds[m].push((performance.now() - t0) / 1000);
    }
  }
  console.log(`\n${name}: ${lines.length} lines, ${mb.toFixed(1)} MB UTF-8, ${ROUNDS} rounds`);
  const fmt = (x) => Math.round(x).toLocaleString('en');
  for (const m of names) {
    const t = median(seconds[m]);
    console.log(`  ${m.padEnd(28)} ${fmt(tokens[m]).padStart(10)} tokens  ${fmt(tokens[m] / t).padStart(10)} tokens/s  ${(mb / t).toFixed(2).padStart(6)} MB/s  (median; rounds ${fmt(tokens[m] / Math.max(...seconds[m]))}–${fmt(tokens[m] / Math.min(...seconds[m]))} tokens/s)`);
  }
  const ratios = seconds.segment.map((x, i) => x / seconds.default[i]);
  console.log(`  time segment / default, median of the rounds' ratios: ${median(ratios).toFixed(2)}`);
}

const japanese = generate(japaneseLine, 1);
bench('Japanese-like', japanese);
// a long line without white space (a paragraph per line): Intl.Segmenter over
// whole lines slows down with their length in V8, hence the tokenizer's windows
const paragraphs = [];
for (let i = 0; i < japanese.length; i += 200) paragraphs.push(japanese.slice(i, i + 200).join(''));
bench('Japanese-like, paragraphs of 200 lines as one line each', paragraphs, ['default', 'segment']);
bench('English-like', generate(englishLine, 2));
