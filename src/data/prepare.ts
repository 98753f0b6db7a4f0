/**
 * From raw texts to what training needs: sequences split off for validation,
 * the vocabulary (built from the training sequences only, so held-out text
 * is honestly out-of-vocabulary where it should be), and the encoded streams.
 */
import { inputError } from '../core/errors.js';
import type { Level, SplitMode, Tokenize } from '../nn/config.js';
import { encodeSequences, isValidationIndex, splitSequences, type EncodedCorpus } from './corpus.js';
import { tokenize, type TokenizerOptions } from './tokenize.js';
import { TokenCounter, Vocab, buildVocab } from './vocab.js';

export interface CorpusOptions {
  level: Level;
  split: SplitMode;
  tokenize: Tokenize;
  lowercase: boolean;
  /** most frequent tokens kept (0 = all) */
  maxVocab: number;
  minCount: number;
  /** fraction of the sequences held out for validation (split none: the last fraction of the text) */
  valFrac: number;
}

export interface PreparedCorpus {
  vocab: Vocab;
  train: EncodedCorpus;
  val: EncodedCorpus | null;
}

export function tokenizerOf(o: { level: Level; tokenize: Tokenize; lowercase: boolean }): TokenizerOptions {
  return { level: o.level, tokenize: o.tokenize, lowercase: o.lowercase };
}

/** Split each text into sequences and deal them into training and validation. */
export function splitCorpus(texts: readonly string[], split: SplitMode, valFrac: number): { train: string[]; val: string[] } {
  const train: string[] = [], val: string[] = [];
  if (split === 'none') {
    // one stream per text; the last valFrac of all text (by code units, at a code point boundary) is held out
    for (const t of texts) {
      const seqs = splitSequences(t, 'none');
      if (seqs.length === 0) continue;
      const s = seqs[0];
      let cut = valFrac > 0 ? Math.floor(s.length * (1 - valFrac)) : s.length;
      if (cut > 0 && cut < s.length && s.charCodeAt(cut) >= 0xdc00 && s.charCodeAt(cut) <= 0xdfff) cut--;
      if (cut > 0) train.push(s.slice(0, cut));
      if (cut < s.length) val.push(s.slice(cut));
    }
    return { train, val };
  }
  let i = 0;
  for (const t of texts) {
    for (const s of splitSequences(t, split)) {
      (isValidationIndex(i, valFrac) ? val : train).push(s);
      i++;
    }
  }
  return { train, val };
}

/**
 * Prepare a corpus. With `vocab` given (training from an existing model) it is
 * used as is; `valTexts` (a separate validation file) replaces valFrac.
 */
export function prepareCorpus(texts: readonly string[], o: CorpusOptions, vocab?: Vocab, valTexts?: readonly string[]): PreparedCorpus {
  const tok = tokenizerOf(o);
  const { train, val } = splitCorpus(texts, o.split, valTexts ? 0 : o.valFrac);
  const valSeqs = valTexts ? valTexts.flatMap((t) => splitSequences(t, o.split)) : val;
  if (train.length === 0) {
    throw inputError('the corpus has no text to train on (it is empty or white space only); give a file with some text in it');
  }
  if (!vocab) {
    const counter = new TokenCounter();
    for (const s of train) counter.add(tokenize(s, tok));
    vocab = buildVocab(counter, { maxVocab: o.maxVocab, minCount: o.minCount });
  }
  return {
    vocab,
    train: encodeSequences(train, vocab, tok),
    val: valSeqs.length > 0 ? encodeSequences(valSeqs, vocab, tok) : null,
  };
}
