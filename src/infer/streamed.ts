/**
 * Scoring and evaluating text of any size as it arrives: the text comes in
 * pieces (a file's decoded slices, a page's chunks), is cut into sequences as
 * the model was trained (data/cutter.ts, the cutter corpus preparation uses),
 * and is scored in batches of about `batchTokens` tokens as they fill, in
 * parallel chunks (on every thread of the session). Memory is bounded by the
 * batch, not the text; a sequence longer than a batch is scored piece by piece
 * with its state carried over. The results are the very numbers of the
 * in-memory forms (scoreSentences, evaluateText): every token's score is the
 * same bits however the text is cut (infer/session.ts), and the sums are added
 * in the same order. Browser-safe.
 */
import { EOS, UNK } from '../core/ids.js';
import { SequenceCutter, isBlank } from '../data/cutter.js';
import { countCodePoints, type TokenIds } from '../data/corpus.js';
import { forEachToken } from '../data/tokenize.js';
import type { SplitMode } from '../data/text.js';
import { carriedLogProbs, continueLogProbs, planChunks, readRunningText } from '../model/evaluate.js';
import { DynamicScorer, type DynamicOptions } from '../model/dynamic.js';
import { EvalTotals, inOrder, layOut, sentencePiece, sentenceScores, type Evaluation, type ScoreOptions, type SentencePiece, type SentenceScore } from './score.js';
import type { InferenceSession } from './session.js';

/** Text as it arrives, in order. */
export type TextPieces = AsyncIterable<string> | Iterable<string>;

export interface StreamedOptions {
  /** tokens per scoring batch (default 65,536): the memory of a call is about this many tokens' worth */
  batchTokens?: number;
}

export interface EvaluateStreamOptions extends StreamedOptions {
  /**
   * Dynamic evaluation (model/dynamic.ts): the text is read in order on one
   * thread, and the model takes a gradient step on every segment after scoring it.
   */
  dynamic?: Omit<DynamicOptions, 'kernels'>;
}

export interface ScoreStreamOptions extends StreamedOptions, ScoreOptions {
  /** how the text is cut into sentences (default: as the model was trained) */
  split?: SplitMode;
}

const BATCH_TOKENS = 65536;

/**
 * The sequences of the text, a piece at a time: `each` is called with the
 * sequences (or, split none, the pieces of the one sequence) that a piece of
 * text completed. `none` pieces are cut after white space (or anywhere, for
 * characters kept in case), so no token spans two of them.
 */
async function* sequencesOf(text: TextPieces, split: SplitMode, anywhere: boolean): AsyncGenerator<string[]> {
  let found: string[] = [];
  const cutter = new SequenceCutter(split, anywhere, (s, a, b) => found.push(a === 0 && b === s.length ? s : s.slice(a, b)));
  for await (const piece of text) {
    cutter.push(piece);
    if (found.length > 0) {
      yield found;
      found = [];
    }
  }
  cutter.end();
  if (found.length > 0) yield found;
}

/**
 * The score of every sentence of the text, in order, as its batch is scored:
 * the sentences `scoreSentences` gives for the same text cut by
 * splitSequences (blank lines are no sentences; split none: the whole text is one).
 */
export async function* scoreStream(session: InferenceSession, text: TextPieces, o: ScoreStreamOptions = {}): AsyncGenerator<SentenceScore> {
  // in order: one state, carried from batch to batch (each batch's ids begin with the <eos> that ends the one before)
  const restore = inOrder(session, o) ? readRunningText(session.net) : null;
  try {
    yield* scoreBatches(session, text, o, restore !== null);
  } finally {
    restore?.();
  }
}

async function* scoreBatches(session: InferenceSession, text: TextPieces, o: ScoreStreamOptions, ordered: boolean): AsyncGenerator<SentenceScore> {
  const split = o.split ?? session.model.config.split, budget = o.batchTokens ?? BATCH_TOKENS;
  let sentences: string[] = [], pieces: SentencePiece[] = [], tokens = 0;
  const flush = async (): Promise<SentenceScore[]> => {
    const ids = layOut(pieces);
    const logp = ordered ? carriedLogProbs(session.net, ids) : await session.logProbs(ids, planChunks(ids, session.net.B));
    const out = sentenceScores(sentences, pieces, logp);
    sentences = [];
    pieces = [];
    tokens = 0;
    return out;
  };
  const whole: string[] = [];
  for await (const found of sequencesOf(text, split, true)) {
    if (split === 'none') {
      whole.push(...found);
      continue;
    }
    for (const s of found) {
      const p = sentencePiece(session, s);
      sentences.push(s);
      pieces.push(p);
      tokens += p.ids.length + 1;
      if (tokens >= budget) yield* await flush();
    }
  }
  if (split === 'none') {
    const t = whole.join('');
    if (!isBlank(t, 0, t.length)) {
      sentences.push(t);
      pieces.push(sentencePiece(session, t));
    }
  }
  if (sentences.length > 0) yield* await flush();
}

/** Held-out cross-entropy of a text of any size, split into sequences as in training: evaluateText's numbers. */
export async function evaluateStream(session: InferenceSession, text: TextPieces, o: EvaluateStreamOptions = {}): Promise<Evaluation> {
  const m = session.model, tok = m.tokenizer, split = m.config.split;
  const adapt = o.dynamic ? await DynamicScorer.create(m, { ...o.dynamic, kernels: session.net.kernels.name }) : null;
  // a running-text model reads the text in order on one carried state, as in training
  const batch = new EvalBatch(session, Math.max(1, o.batchTokens ?? BATCH_TOKENS), adapt, m.config.running_text);
  const add = async (s: string): Promise<void> => {
    forEachToken(s, tok, (t) => batch.push(m.vocab.id(t)));
    batch.totals.chars += countCodePoints(s);
    await batch.maybeFlush();
  };
  const restore = m.config.running_text ? readRunningText(session.net) : null;
  try {
    await readSequences(text, split, tok.level === 'char' && !tok.lowercase, batch, add);
  } finally {
    restore?.();
  }
  return batch.totals.result();
}

/** Feed the sequences of the text to the batch (split none: the text is one sequence, which begins with the first piece that is not blank). */
async function readSequences(text: TextPieces, split: SplitMode, anywhere: boolean, batch: EvalBatch, add: (s: string) => Promise<void>): Promise<void> {
  let held: string[] = [], started = false;
  for await (const found of sequencesOf(text, split, anywhere)) {
    for (const s of found) {
      if (split !== 'none') {
        await add(s);
        await batch.endSequence();
      } else if (started || !isBlank(s, 0, s.length)) {
        for (const h of [...held, s]) await add(h);
        held = [];
        started = true;
      } else held.push(s);
    }
  }
  if (started) await batch.endSequence();
  await batch.flush();
}

/**
 * The ids of an evaluation waiting to be scored: <eos> s1 <eos> … ending with
 * the sequence being read. With a DynamicScorer every batch is scored in
 * order on its carried state (`carry`), never in parallel chunks.
 */
class EvalBatch {
  readonly totals = new EvalTotals();
  private ids: Int32Array;
  private len = 1; // ids[0] = <eos>
  /** the input of the last <eos> in ids (the end of the last whole sequence) */
  private lastEos = 0;
  /** the sequence being read started in an earlier batch: its state is carried on stream 0 of the network */
  private carrying = false;

  /** scored in order on the carried state, never in parallel chunks (dynamic evaluation, a running-text model) */
  private readonly sequential: boolean;

  constructor(private readonly session: InferenceSession, private readonly budget: number, private readonly adapt: DynamicScorer | null, running: boolean) {
    this.sequential = adapt !== null || running;
    this.ids = new Int32Array(Math.min(budget, 1 << 16) + 1);
  }

  push(id: number): void {
    if (this.len === this.ids.length) {
      const grown = new Int32Array(2 * this.ids.length);
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids[this.len++] = id;
    if (id === UNK) this.totals.oov++;
  }

  async endSequence(): Promise<void> {
    this.push(EOS);
    this.totals.sequences++;
    this.totals.chars++;
    this.lastEos = this.len - 1;
    if (this.carrying && !this.sequential) this.carry(); // the long sequence ends: finish it on the carried state
    await this.maybeFlush();
  }

  /** Score what fills a batch: the whole sequences, or (one sequence longer than a batch) as much of it as there is. */
  async maybeFlush(): Promise<void> {
    if (this.len - 1 < this.budget) return;
    if (this.lastEos > 0 && !this.sequential) await this.flush();
    else this.carry();
  }

  /** Score the whole sequences (ids up to the last <eos>) in parallel chunks; keep the rest. */
  async flush(): Promise<void> {
    if (this.sequential) {
      if (this.len > 1) this.carry(true);
      return;
    }
    const n = this.lastEos + 1;
    if (n < 2) return;
    const stream = this.ids.subarray(0, n);
    const logp = await this.session.logProbs(stream, planChunks(stream, this.session.net.B));
    this.totals.add(logp, stream, 0, n - 1);
    this.keepFrom(this.lastEos);
  }

  /**
   * Score ids[0, len) on the carried state (the first input is <eos> or
   * continues the state); keep the last id as the next input. Dynamic
   * evaluation scores whole segments only, but all of them at the `last` call.
   */
  private carry(last = false): void {
    const net = this.session.net, n = this.len;
    const logp = new Float32Array(n - 1);
    let done = n - 1;
    if (this.adapt) done = this.adapt.continue(this.ids, n, logp, last);
    else continueLogProbs(net, this.ids, n, logp);
    this.totals.add(logp, this.ids as TokenIds, 0, done);
    this.carrying = this.ids[done] !== EOS;
    this.keepFrom(done);
  }

  private keepFrom(p: number): void {
    this.ids.copyWithin(0, p, this.len);
    this.len -= p;
    this.lastEos = this.ids[0] === EOS && this.len === 1 ? 0 : this.lastEos - p;
    if (this.lastEos < 0) this.lastEos = 0;
  }
}
