import { describe, expect, it } from 'vitest';
import { detokenize, normalizeNewlines, tokenize } from '../../src/data/tokenize.js';
import { splitSequences, encodeSequences, isValidationIndex } from '../../src/data/corpus.js';
import { TokenCounter, buildVocab, Vocab } from '../../src/data/vocab.js';
import { prepareCorpus } from '../../src/data/prepare.js';

const char = { level: 'char', tokenize: 'default', lowercase: false } as const;
const word = { level: 'word', tokenize: 'default', lowercase: false } as const;
const ws = { level: 'word', tokenize: 'whitespace', lowercase: false } as const;
const seg = { level: 'word', tokenize: 'segment', lowercase: false } as const;

describe('char tokens are code points', () => {
  it('an emoji outside the BMP is one token, never two surrogate halves', () => {
    expect(tokenize('a😀b', char)).toEqual(['a', '😀', 'b']);
    expect(tokenize('👍🏽', char)).toEqual(['👍', '🏽']); // base + skin-tone modifier: two code points
  });
  it('CJK characters are one token each, case is kept', () => {
    expect(tokenize('東京Ab', char)).toEqual(['東', '京', 'A', 'b']);
  });
  it('a combining mark is its own code point (decomposed é is two tokens, precomposed é one)', () => {
    expect(tokenize('e\u0301', char)).toEqual(['e', '\u0301']);
    expect(tokenize('\u00e9', char)).toEqual(['é']);
  });
});

describe('word tokenizer', () => {
  it('keeps inner apostrophes and hyphens, numbers with separators, splits punctuation', () => {
    expect(tokenize("Don't re-enter: it's 3.14 or 1,000 (roughly)!", word)).toEqual([
      "Don't", 're-enter', ':', "it's", '3.14', 'or', '1,000', '(', 'roughly', ')', '!',
    ]);
  });
  it('is Unicode-aware: accented words with combining marks, CJK, emoji', () => {
    expect(tokenize('Café crème 東京 😀.', word)).toEqual(['Café', 'crème', '東京', '😀', '.']);
    expect(tokenize('cafe\u0301 ok', word)).toEqual(['cafe\u0301', 'ok']);
  });
  it('lowercases on request', () => {
    expect(tokenize('The CAT', { ...word, lowercase: true })).toEqual(['the', 'cat']);
  });
  it('whitespace mode splits only on white space', () => {
    expect(tokenize("  `` no evidence ''  that\tit .", ws)).toEqual(['``', 'no', 'evidence', "''", 'that', 'it', '.']);
  });
  it('detokenize attaches punctuation in prose', () => {
    expect(detokenize(['Hello', ',', 'world', '(', 'yes', ')', '!'], word)).toBe('Hello, world (yes)!');
    expect(detokenize(['a', 'b'], ws)).toBe('a b');
  });
});

describe('sequences', () => {
  it('CRLF and CR line endings behave like LF', () => {
    expect(normalizeNewlines('a\r\nb\rc\n')).toBe('a\nb\nc\n');
    expect(splitSequences('one\r\ntwo\rthree\n', 'lines')).toEqual(['one', 'two', 'three']);
  });
  it('lines mode skips blank lines; paragraphs keep single newlines inside', () => {
    expect(splitSequences('a\n\n  \nb\n', 'lines')).toEqual(['a', 'b']);
    expect(splitSequences('l1\nl2\n\nl3\n \n\nl4\n', 'paragraphs')).toEqual(['l1\nl2', 'l3', 'l4']);
    expect(splitSequences('x\ny\n', 'none')).toEqual(['x\ny\n']);
  });
  it('encodes <eos> s1 <eos> s2 <eos>, unseen tokens as <unk>, and counts OOVs', () => {
    const v = new Vocab(['<eos>', '<unk>', 'a', 'b']);
    const e = encodeSequences(['ab', 'ca'], v, char);
    expect(Array.from(e.stream)).toEqual([0, 2, 3, 0, 1, 2, 0]);
    expect(e.tokens).toBe(6);
    expect(e.oov).toBe(1);
    expect(e.chars).toBe(6);
  });
  it('validation takes an evenly spread fraction of sequences (every 10th at 0.1)', () => {
    const picked = Array.from({ length: 30 }, (_, i) => i).filter((i) => isValidationIndex(i, 0.1));
    expect(picked).toEqual([9, 19, 29]);
    expect(Array.from({ length: 10 }, (_, i) => i).filter((i) => isValidationIndex(i, 0))).toEqual([]);
  });
});

describe('vocabulary', () => {
  it('<eos> is id 0, <unk> id 1; most frequent first, ties in code-point order', () => {
    const c = new TokenCounter();
    c.add(['b', 'a', 'c', 'c', 'b', 'a', 'c', '😀', 'z']);
    const v = buildVocab(c, { maxVocab: 0, minCount: 1 });
    expect(v.tokens).toEqual(['<eos>', '<unk>', 'c', 'a', 'b', 'z', '😀']);
  });
  it('--max-vocab and --min-count map the rest to <unk>', () => {
    const c = new TokenCounter();
    c.add(['x', 'x', 'x', 'y', 'y', 'z']);
    expect(buildVocab(c, { maxVocab: 1, minCount: 1 }).tokens).toEqual(['<eos>', '<unk>', 'x']);
    const v = buildVocab(c, { maxVocab: 0, minCount: 2 });
    expect(v.tokens).toEqual(['<eos>', '<unk>', 'x', 'y']);
    expect(v.id('z')).toBe(1);
  });
  it('a literal "<eos>" in text is not an end of sequence; a literal "<unk>" is <unk>', () => {
    const v = new Vocab(['<eos>', '<unk>', 'a']);
    expect(v.id('<eos>')).toBe(1);
    expect(v.id('<unk>')).toBe(1);
  });
});

describe('prepared corpora in typed arrays', () => {
  const opts = { split: 'lines', tokenize: 'whitespace', lowercase: false, maxVocab: 0, minCount: 1, valFrac: 0.1 } as const;
  it('token ids are 16-bit when the vocabulary fits, 32-bit when it does not', () => {
    const small = prepareCorpus(['a b c\nb c d\n'.repeat(10)], { ...opts, level: 'word' });
    expect(small.train.stream).toBeInstanceOf(Uint16Array);
    const words = Array.from({ length: 70_000 }, (_, i) => `w${i}`);
    const big = prepareCorpus([words.join(' ') + '\n' + words.slice(0, 9).join('\n') + '\n'], { ...opts, level: 'word' });
    expect(big.vocab.size).toBe(70_002);
    expect(big.train.stream).toBeInstanceOf(Int32Array);
    expect(big.train.stream[70_000]).toBe(big.vocab.id('w69999'));
  });
  it('preparation matches tokenize-then-encode on every split mode and tokenizer', () => {
    const text = 'The cat sat.\r\nOn the  mat!\n\n\nA 😀 dog\nran 3.14 km\n   \n猫が窓のそばで寝ている。\nend';
    for (const split of ['lines', 'paragraphs', 'none'] as const) {
      for (const tok of [char, word, ws, seg]) {
        for (const valFrac of [0, 0.3]) {
          const o = { ...opts, ...tok, split, valFrac };
          const p = prepareCorpus([text, text.toLowerCase()], o);
          const seqs = [text, text.toLowerCase()].flatMap((t) => splitSequences(t, split));
          if (split !== 'none') {
            const train = seqs.filter((_, i) => !isValidationIndex(i, valFrac));
            const c = new TokenCounter();
            for (const s of train) c.add(tokenize(s, tok));
            const v = buildVocab(c, { maxVocab: 0, minCount: 1 });
            expect(p.vocab.tokens).toEqual(v.tokens);
            expect(Array.from(p.train.stream)).toEqual(Array.from(encodeSequences(train, v, tok).stream));
          }
          expect(p.train.tokens).toBe(p.train.stream.length - 1);
        }
      }
    }
  });
});

describe('streamed samples read like detokenized ones', () => {
  it('the writer applies the same spacing as detokenize, continuing after the prime as typed', async () => {
    const { sampleWriter } = await import('../../src/infer/sample.js');
    const tokens = [',', 'world', '(', 'yes', ')', '!'];
    const next = sampleWriter(word, 'Hello');
    expect('Hello' + tokens.map(next).join('')).toBe(detokenize(['Hello', ...tokens], word));
    const w = sampleWriter(ws, '');
    expect(['a', 'b'].map(w).join('')).toBe('a b');
    expect(['x', 'y'].map(sampleWriter(char, 'ab')).join('')).toBe('xy');
  });
});
