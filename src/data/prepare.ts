/**
 * From raw texts to what training needs: sequences split off for validation,
 * the vocabulary (built from the training sequences only, so held-out text
 * is honestly out-of-vocabulary where it should be), and the encoded streams.
 */
import { inputError } from '../core/errors.js';
import type { Level, SplitMode, Tokenize } from './text.js';
import { StreamEncoder, countTokens, forEachSequence, isValidationIndex, type EncodedCorpus } from './corpus.js';
import { forEachToken, forgetLastMatch, type TokenizerOptions } from './tokenize.js';
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
  /** where the validation part was to come from: a fraction of the corpus, or separate texts (which may have held nothing) */
  valFrom: 'fraction' | 'texts';
}

export function tokenizerOf(o: { level: Level; tokenize: Tokenize; lowercase: boolean }): TokenizerOptions {
  return { level: o.level, tokenize: o.tokenize, lowercase: o.lowercase };
}

/**
 * Visit every sequence of the texts with whether it is held out for
 * validation: an evenly spread fraction of the sequences, or with split none
 * the last fraction of each text (by code units, at a code point boundary);
 * then every sequence of the separate validation texts. Nothing is collected.
 */
function forEachSplitSequence(
  texts: readonly string[],
  split: SplitMode,
  valFrac: number,
  valTexts: readonly string[] | undefined,
  fn: (s: string, isVal: boolean) => void,
): void {
  if (split === 'none') {
    for (const t of texts) {
      forEachSequence(t, 'none', (s) => {
        let cut = valFrac > 0 ? Math.floor(s.length * (1 - valFrac)) : s.length;
        if (cut > 0 && cut < s.length && s.charCodeAt(cut) >= 0xdc00 && s.charCodeAt(cut) <= 0xdfff) cut--;
        if (cut > 0) fn(s.slice(0, cut), false);
        if (cut < s.length) fn(s.slice(cut), true);
      });
    }
  } else {
    let i = 0;
    for (const t of texts) forEachSequence(t, split, (s) => fn(s, isValidationIndex(i++, valFrac)));
  }
  for (const t of valTexts ?? []) forEachSequence(t, split, (s) => fn(s, true));
}

/**
 * Prepare a corpus. With `vocab` given (training from an existing model) it is
 * used as is; `valTexts` (a separate validation file) replaces valFrac.
 *
 * Two passes over the text and no per-sequence or per-token arrays: the first
 * counts the tokens (and builds the vocabulary from the training sequences),
 * the second encodes them into streams allocated at their final size.
 */
export function prepareCorpus(texts: readonly string[], o: CorpusOptions, vocab?: Vocab, valTexts?: readonly string[]): PreparedCorpus {
  const tok = tokenizerOf(o);
  const valFrac = valTexts ? 0 : o.valFrac;
  const counter = vocab ? null : new TokenCounter();
  let trainLength = 1, valLength = 1, trainSequences = 0;
  forEachSplitSequence(texts, o.split, valFrac, valTexts, (s, isVal) => {
    let n = 0;
    if (counter && !isVal) {
      forEachToken(s, tok, (t) => {
        counter.addOne(t);
        n++;
      });
    } else {
      n = countTokens(s, tok);
    }
    if (isVal) valLength += n + 1;
    else {
      trainLength += n + 1;
      trainSequences++;
    }
  });
  if (trainSequences === 0) {
    throw inputError('the corpus has no text to train on (it is empty or white space only); give a file with some text in it');
  }
  const v = vocab ?? buildVocab(counter!, { maxVocab: o.maxVocab, minCount: o.minCount });
  const train = new StreamEncoder(trainLength, v, tok);
  const val = valLength > 1 ? new StreamEncoder(valLength, v, tok) : null;
  forEachSplitSequence(texts, o.split, valFrac, valTexts, (s, isVal) => (isVal ? val! : train).add(s));
  forgetLastMatch();
  return { vocab: v, train: train.finish(), val: val ? val.finish() : null, valFrom: valTexts ? 'texts' : 'fraction' };
}
