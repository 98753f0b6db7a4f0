/**
 * Text in scripts written without spaces (Chinese, Japanese, Thai): the segment
 * tokenizer, spacing when tokens are joined back (every tokenizer), the
 * vocabulary, model files, and a word-level model trained and sampled through
 * the command line. The sentences are written for these tests.
 */
import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SEGMENT_WINDOW, detokenize, forEachToken, separator, tokenize } from '../../src/data/tokenize.js';
import { TOKENIZERS } from '../../src/data/text.js';
import { prepareCorpus } from '../../src/data/prepare.js';
import { sampleWriter } from '../../src/infer/sample.js';
import { Rng } from '../../src/core/rng.js';
import { EOS_TOKEN, UNK_TOKEN, Vocab } from '../../src/data/vocab.js';
import { LanguageModel } from '../../src/model/model.js';
import { modelConfig } from '../../src/model/config.js';
import { loadModel, saveModel } from '../../src/model/model-file.js';
import { editMeta } from '../helpers/model-files.js';
import { recur } from '../helpers/cli.js';

const seg = { level: 'word', tokenize: 'segment', lowercase: false } as const;
const word = { level: 'word', tokenize: 'default', lowercase: false } as const;
const ws = { level: 'word', tokenize: 'whitespace', lowercase: false } as const;

const JA = ['東京タワーに行きました。', '私は昨日、新しい本を買いました。', '猫が窓のそばで寝ている。', 'コーヒーを飲みますか？', '「おはよう」と母が言った。'];
const ZH = ['我今天去了北京，天气很好。', '他说：“我们明天见。”', '这本书非常有意思。'];
const TH = ['ภาษาไทยง่ายนิดเดียว', 'ฉันชอบกินข้าวผัดมาก', 'วันนี้อากาศดีมาก'];
const ALL = [...JA, ...ZH, ...TH];

/** The platform's own word segmentation of a text, white space dropped. */
function platformWords(text: string): string[] {
  return [...new Intl.Segmenter('en', { granularity: 'word' }).segment(text)].map((s) => s.segment).filter((s) => /\S/.test(s));
}

/** Two characters of Chinese, Japanese or Thai text with a space between them. */
const SPACE_IN_UNSPACED = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Thai}\u3000-\u303f\uff01-\uff60] +[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Thai}\u3000-\u303f\uff01-\uff60]/u;

describe('the segment tokenizer', () => {
  it('is a choice of --tokenize (and so of model files and the PyTorch trainer)', () => {
    expect(TOKENIZERS).toContain('segment');
  });

  it('cuts Japanese, Chinese and Thai into words where the default tokenizer keeps whole runs', () => {
    const contains: [string, string[]][] = [
      ['私は昨日、新しい本を買いました。', ['私', 'は', '昨日', '、', '本', 'を', '。']],
      ['猫が窓のそばで寝ている。', ['猫', 'が', '窓', 'の', 'で', '。']],
      ['我今天去了北京，天气很好。', ['我', '今天', '北京', '，', '天气', '。']],
      ['他说：“我们明天见。”', ['他', '我们', '明天', '：', '“', '”']],
      ['ฉันชอบกินข้าวผัดมาก', ['ฉัน', 'ชอบ', 'กิน', 'มาก']],
      ['วันนี้อากาศดีมาก', ['อากาศ', 'มาก']],
    ];
    for (const [text, words] of contains) {
      const tokens = tokenize(text, seg);
      for (const w of words) expect(tokens, text).toContain(w);
      expect(tokens.join('')).toBe(text);
    }
    // the issue: the default tokenizer makes every run between punctuation one token
    expect(tokenize('私は昨日、新しい本を買いました。', word)).toEqual(['私は昨日', '、', '新しい本を買いました', '。']);
    expect(tokenize('ฉันชอบกินข้าวผัดมาก', word)).toEqual(['ฉันชอบกินข้าวผัดมาก']);
  });

  it('gives the platform segmentation (Intl.Segmenter) of text in scripts without spaces, punctuation included', () => {
    for (const s of ALL) expect(tokenize(s, seg), s).toEqual(platformWords(s));
  });

  it('never makes a token of white space, nor one that holds any', () => {
    const text = ' 東京\u3000タワー\tに 行きました。\n ภาษา ไทย  2 ตัว \u00a0iPhone ';
    const tokens = tokenize(text, seg);
    expect(tokens.length).toBeGreaterThan(6);
    for (const t of tokens) expect(t).toMatch(/^\S+$/u);
  });

  it('gives exactly the default tokens in spaced scripts, where Intl.Segmenter alone would differ', () => {
    const text = "Don't re-enter: it's 3.14 or 1,000 (roughly)! To-morrow e.g. mail me@example.com, a_b 👍🏽 Привет, мир! Καλημέρα κόσμε. naïve cafe\u0301";
    expect(tokenize(text, seg)).toEqual(tokenize(text, word));
    // the differences avoided: hyphenated words cut, e.g and example.com kept whole, emoji sequences kept whole
    const platform = platformWords(text);
    expect(platform).toEqual(expect.arrayContaining(['re', '-', 'enter', 'To', 'morrow', 'e.g', 'example.com', 'a_b', '👍🏽']));
    expect(tokenize(text, word)).toEqual(expect.arrayContaining(['re-enter', 'To-morrow', 'e', 'g', 'example', 'com', 'a', '_', 'b', '👍', '🏽']));
    // where the two agree: inner apostrophes, numbers with separators
    for (const t of ["Don't", '3.14', '1,000', "it's"]) {
      expect(platform).toContain(t);
      expect(tokenize(text, seg)).toContain(t);
    }
  });

  it('forEachToken gives the tokens of tokenize, lowercase included', () => {
    const text = 'iPhone 15を買った。Tokyo Towerは高い！ภาษาไทย 2 ตัว';
    for (const lowercase of [false, true]) {
      const out: string[] = [];
      forEachToken(text, { ...seg, lowercase }, (t) => out.push(t));
      expect(out).toEqual(tokenize(text, { ...seg, lowercase }));
    }
    expect(tokenize('Tokyo Towerは', { ...seg, lowercase: true })).toEqual(['tokyo', 'tower', 'は']);
  });

  it('a long text is read in windows, with the words of its sentences', () => {
    let text = '';
    const expected: string[] = [];
    for (let i = 0; text.length < 20 * SEGMENT_WINDOW; i++) {
      const s = ALL[(i * 7) % ALL.length];
      // sentences that end in punctuation may follow each other without a space
      text += s + (i % 5 === 0 ? '\n' : i % 5 === 1 || !/\p{P}$/u.test(s) ? ' ' : '');
      expected.push(...tokenize(s, seg));
    }
    const out: string[] = [];
    forEachToken(text, seg, (t) => out.push(t));
    expect(out).toEqual(expected);
    // a run longer than a window, without white space or punctuation, in one piece
    const run = TH[0].repeat(Math.ceil((3 * SEGMENT_WINDOW) / TH[0].length));
    expect(tokenize(`${JA[0]}${run} end`, seg)).toEqual([...tokenize(JA[0], seg), ...platformWords(run), 'end']);
    // and one that holds a hyphen beyond the window's length (one default token)
    expect(tokenize(`${run}-タワー`, word)).toHaveLength(1);
    expect(tokenize(`${run}-タワー`, seg)).toEqual([...platformWords(run), '-', 'タワー']);
  });

  it('a run that mixes scripts is cut between them: iPhone 15を買った, 東京Tower', () => {
    expect(tokenize('iPhone 15を買った', seg).slice(0, 3)).toEqual(['iPhone', '15', 'を']);
    expect(tokenize('東京Towerに行く', seg).slice(0, 3)).toEqual(['東京', 'Tower', 'に']);
    expect(tokenize('東京 Tower に行く', seg).slice(0, 3)).toEqual(['東京', 'Tower', 'に']);
  });

  it('says what to do on an engine without Intl.Segmenter', async () => {
    const saved = Intl.Segmenter;
    vi.resetModules();
    try {
      (Intl as { Segmenter?: unknown }).Segmenter = undefined;
      const fresh = await import('../../src/data/tokenize.js');
      expect(fresh.tokenize('english only', seg)).toEqual(['english', 'only']);
      expect(() => fresh.tokenize('日本語', seg)).toThrow(/needs Intl\.Segmenter.*--tokenize default/);
    } finally {
      (Intl as { Segmenter?: unknown }).Segmenter = saved;
      vi.resetModules();
    }
  });
});

describe('no spaces where the script has none, for every tokenizer', () => {
  it('Japanese, Chinese and Thai sentences come back exactly from their segment tokens', () => {
    for (const s of ALL) expect(detokenize(tokenize(s, seg), seg), s).toBe(s);
  });

  it('the default tokenizer puts no space before 。 or between runs and CJK punctuation', () => {
    for (const s of [...JA, ...ZH]) expect(detokenize(tokenize(s, word), word), s).toBe(s);
    expect(detokenize(['東京タワーに行きました', '。'], word)).toBe('東京タワーに行きました。');
  });

  it('the whitespace tokenizer joins a pre-segmented Japanese corpus without spaces', () => {
    expect(detokenize(tokenize('東京 タワー に 行き まし た 。', ws), ws)).toBe('東京タワーに行きました。');
    expect(detokenize(tokenize('我 今天 去 了 北京 ， 天气 很 好 。', ws), ws)).toBe('我今天去了北京，天气很好。');
    expect(detokenize(['the', 'cat', '.'], ws)).toBe('the cat .');
  });

  it('CJK punctuation and fullwidth forms take no space on either side, whatever the neighbour', () => {
    for (const tok of [word, ws, seg]) {
      expect(detokenize(['「', 'OK', '」', 'と', '言', 'っ', 'た', '。'], tok)).toBe('「OK」と言った。');
      expect(detokenize(['Hello', '。', 'World', '！'], tok)).toBe('Hello。World！');
      expect(detokenize(['面白い', '（', '笑', '）'], tok)).toBe('面白い（笑）');
      expect(detokenize(['値段', 'は', '１００', '円', 'です'], tok)).toBe('値段は１００円です');
      expect(detokenize(['ラーメン', '・', 'うどん', '〜', 'そば'], tok)).toBe('ラーメン・うどん〜そば');
    }
  });

  it('digits and Latin words next to Chinese or Japanese take no space; the spaced rule holds elsewhere', () => {
    for (const tok of [word, ws, seg]) {
      expect(detokenize(['2024', '年', '3', '月', '15', '日', 'に', '会', 'いましょう', '。'], tok)).toBe('2024年3月15日に会いましょう。');
      expect(detokenize(['iPhone', '15', 'を', '買', 'った'], tok)).toBe('iPhone 15を買った');
      expect(detokenize(['東京', 'Tower', 'に', '行く'], tok)).toBe('東京Towerに行く');
    }
    // as typed: iPhone 15を買った; a space the writer put between 東京 and Tower is not kept
    expect(detokenize(tokenize('2024年3月15日に会いましょう。', seg), seg)).toBe('2024年3月15日に会いましょう。');
    expect(detokenize(tokenize('iPhone 15を買った', seg), seg)).toBe('iPhone 15を買った');
    expect(detokenize(tokenize('東京 Tower に行く', seg), seg)).toBe('東京Towerに行く');
    expect(detokenize(['Hello', ',', 'world', '(', 'yes', ')', '!'], seg)).toBe('Hello, world (yes)!');
    expect(detokenize(['Привет', ',', 'мир', '!'], seg)).toBe('Привет, мир!');
  });

  it('Thai words join up, but digits and Latin words keep their spaces; a space between Thai phrases is lost', () => {
    for (const tok of [word, ws, seg]) {
      expect(detokenize(['ฉัน', 'มี', 'แมว', '2', 'ตัว'], tok)).toBe('ฉันมีแมว 2 ตัว');
      expect(detokenize(['ผม', 'ใช้', 'iPhone', 'ทุก', 'วัน'], tok)).toBe('ผมใช้ iPhone ทุกวัน');
    }
    expect(detokenize(tokenize('ฉันมีแมว 2 ตัว', seg), seg)).toBe('ฉันมีแมว 2 ตัว');
    expect(detokenize(tokenize('ผมใช้ iPhone ทุกวัน', seg), seg)).toBe('ผมใช้ iPhone ทุกวัน');
    expect(detokenize(tokenize('สวัสดีครับ ขอบคุณครับ', seg), seg)).toBe('สวัสดีครับขอบคุณครับ');
  });

  it('judges by whole code points: a Han character outside the BMP closes up, an emoji does not', () => {
    for (const tok of [word, ws, seg]) {
      expect(separator('𠮷', '野', tok)).toBe(''); // U+20BB7, a surrogate pair
      expect(separator('野', '𠮷', tok)).toBe('');
      expect(separator('😀', 'ok', tok)).toBe(' ');
      expect(separator('ok', '😀', tok)).toBe(' ');
    }
  });

  it('char level is unchanged: nothing between tokens', () => {
    const char = { level: 'char', tokenize: 'default', lowercase: false } as const;
    expect(detokenize(tokenize('東京 Tower', char), char)).toBe('東京 Tower');
  });

  it('a streamed sample is spaced as detokenize spaces it, after a Japanese prime as typed', () => {
    const tokens = ['に', '行き', 'ま', 'した', '。', 'iPhone', '15', 'を', '買', 'った'];
    const next = sampleWriter(seg, '私は東京');
    const text = '私は東京' + tokens.map(next).join('');
    expect(text).toBe('私は東京に行きました。iPhone 15を買った');
    expect(text).toBe(detokenize([...tokenize('私は東京', seg), ...tokens], seg));
  });
});

describe('the vocabulary of text without spaces', () => {
  it('is made of the words, most frequent first, with the same streams as tokenize-then-encode', () => {
    const lines = ['私は学校に行きました。', '私は図書館に行きました。', '母は駅に行きました。', '我今天去了北京。', 'ฉันชอบกินข้าวผัดมาก'];
    const o = { level: 'word', split: 'lines', tokenize: 'segment', lowercase: false, maxVocab: 0, minCount: 1, valFrac: 0 } as const;
    const p = prepareCorpus([lines.join('\n')], o);
    const counts = new Map<string, number>();
    for (const l of lines) for (const t of tokenize(l, seg)) counts.set(t, (counts.get(t) ?? 0) + 1);
    expect(new Set(p.vocab.tokens.slice(2))).toEqual(new Set(counts.keys()));
    // 私, は, 行き, に, 。 … occur in several lines and come first
    for (const t of ['は', 'に', '。', '私', '学校', '図書館', '北京', 'ฉัน']) expect(p.vocab.has(t), t).toBe(true);
    const seen = p.vocab.tokens.slice(2).map((t) => counts.get(t)!);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(counts.get('は')).toBe(3);
    expect(p.vocab.has('私は学校に行きました')).toBe(false);
    const expected = [0];
    for (const l of lines) expected.push(...tokenize(l, seg).map((t) => p.vocab.id(t)), 0);
    expect(Array.from(p.train.stream)).toEqual(expected);
    expect(p.train.oov).toBe(0);
  });
});

describe('model files with the segment tokenizer', () => {
  const vocab = new Vocab([EOS_TOKEN, UNK_TOKEN, '私', 'は', '東京', 'に', '行き', 'ま', 'した', '。']);
  const make = (tokenize?: 'segment') =>
    LanguageModel.create(modelConfig({ level: 'word', cell: 'gru', embed: 4, hidden: 6, layers: 1, ...(tokenize ? { tokenize } : {}) }), vocab, new Rng(5));

  it('round trip: the config keeps "segment", and the loaded model tokenizes with it', () => {
    const m = loadModel(saveModel(make('segment')));
    expect(m.config.tokenize).toBe('segment');
    expect(m.tokenizer).toEqual(seg);
    expect(tokenize('私は東京に行きました。', m.tokenizer).map((t) => m.vocab.id(t))).not.toContain(1);
  });

  it('a file from before this tokenizer (no "tokenize" in its config) still loads, as default', () => {
    const old = editMeta(saveModel(make()), 'config', ({ tokenize: _t, ...c }) => c);
    expect(new TextDecoder().decode(old)).not.toContain('tokenize');
    expect(loadModel(old).config.tokenize).toBe('default');
  });
});

describe('through the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recur-segment-'));
  const corpus = join(dir, 'ja.txt');
  const model = join(dir, 'ja.safetensors');
  const small = ['--hidden', '16', '--embed', '8', '--batch', '4', '--seq-len', '8', '--kernels', 'reference'];

  it('recur train --tokenize SEGMENT (any case) trains a word model on Japanese; its samples have no spaces between Japanese tokens', async () => {
    const who = ['私', '先生', '友達', '母', '学生たち'];
    const where = ['東京', '学校', '図書館', '駅', '公園'];
    const did = ['行きました', '来ました', '歩いていました'];
    const lines: string[] = [];
    for (const a of who) for (const b of where) for (const c of did) lines.push(`${a}は${b}へ${c}。`, `昨日、${a}は${b}で本を読みました。`);
    writeFileSync(corpus, lines.join('\n') + '\n');

    const r = await recur(['train', corpus, '--level', 'word', '--tokenize', 'SEGMENT', ...small, '--steps', '30', '--samples', '3', '-o', model]);
    expect(r.code, r.stderr).toBe(0);
    const m = loadModel(readFileSync(model));
    expect(m.config.tokenize).toBe('segment');
    for (const t of ['私', 'は', '東京', '図書館', 'へ', '、', '。']) expect(m.vocab.has(t), t).toBe(true);

    const s = await recur(['sample', model, '-n', '8', '--seed', '2', '--max-length', '24', '--kernels', 'reference']);
    expect(s.code, s.stderr).toBe(0);
    const printed = [...r.stdout.trimEnd().split('\n'), ...s.stdout.trimEnd().split('\n')];
    expect(printed.length).toBe(11);
    expect(printed.join('')).toMatch(/\p{sc=Han}|\p{sc=Hiragana}/u);
    // every token of this vocabulary is Japanese: no space may appear at all
    for (const line of printed) expect(line).not.toMatch(/ /);
    const primed = await recur(['sample', model, '-n', '3', '--seed', '4', '--prime', '私は', '--max-length', '12', '--kernels', 'reference']);
    expect(primed.code, primed.stderr).toBe(0);
    for (const line of primed.stdout.trimEnd().split('\n')) {
      expect(line.startsWith('私は')).toBe(true);
      expect(line).not.toMatch(SPACE_IN_UNSPACED);
    }
  });

  it('recur score and recur info use the tokenizer of the model', async () => {
    const sc = await recur(['score', model, '先生は駅へ行きました。', '--json', '--kernels', 'reference']);
    expect(sc.code, sc.stderr).toBe(0);
    const o = JSON.parse(sc.stdout.trim());
    expect(o.tokens.map((t: { token: string }) => t.token)).toEqual([...tokenize('先生は駅へ行きました。', seg), EOS_TOKEN]);
    expect(o.oov).toBe(0);
    const info = await recur(['info', model]);
    expect(info.stdout).toMatch(/word level, segment tokenizer/);
  });
});
