/**
 * What a run trains on, whatever it was read from: a TokenSource for the
 * training stream (with its shuffle blocks), the validation stream, the
 * vocabulary and the text configuration. Texts encoded in memory (small
 * corpora, the library's `train({ texts })`) and a token store on disk
 * (`train({ store })`, `recur train NAME.recur`) both become one of these, so
 * the trainer has one path; a store's stream is read a window at a time and
 * memory does not grow with the corpus.
 *
 * Validation scores at most `valTokens` tokens: the whole validation stream
 * when it is that short, else VAL_PIECES evenly spread pieces of it (each cut
 * at <eos> boundaries in lines and paragraphs mode), read into memory once.
 */
import { EOS } from '../core/ids.js';
import { inputError, usageError } from '../core/errors.js';
import { tokenIdArray, type TokenIds } from '../data/corpus.js';
import { prepareCorpus, type PreparedCorpus, type ValFrom } from '../data/prepare.js';
import { ArrayTokenSource, blockStarts, type TokenSource } from '../data/source.js';
import type { TextConfig } from '../data/text.js';
import { Vocab } from '../data/vocab.js';
import type { LanguageModel } from '../model/model.js';
import { openStore, readManifest, storeIdentity, type OpenedStore, type StoreIdentity } from '../store/reader.js';
import type { StoreManifest } from '../store/manifest.js';
import { VAL_PIECES, type TrainOptions, type TrainOptionsGiven } from './options.js';
import type { TrainState } from './state.js';

/** A part's stream and its counts. */
export interface DataPart {
  source: TokenSource;
  /** predicted tokens (the stream holds tokens + 1 ids) */
  tokens: number;
  sequences: number;
  oov: number;
  chars: number;
}

export interface TrainingData {
  vocab: Vocab;
  text: TextConfig;
  /** the training stream and the starts of its shuffle blocks (null: no shuffling) */
  train: DataPart & { blocks: Float64Array | null };
  val: DataPart | null;
  /** where the validation part was to come from: a fraction of the sequences, the end of each text, or separate texts (which may have held nothing) */
  valFrom: ValFrom;
  /** the store it is read from (null: in memory) */
  store: StoreIdentity | null;
  /** release what it holds open (a store's files) */
  close(): void;
}

const part = (c: PreparedCorpus['train']): DataPart => ({ source: new ArrayTokenSource(c.stream), tokens: c.tokens, sequences: c.sequences, oov: c.oov, chars: c.chars });

/** Texts encoded in memory as training data. */
export function fromCorpus(c: PreparedCorpus, text: TextConfig): TrainingData {
  return {
    vocab: c.vocab, text: { level: text.level, split: text.split, tokenize: text.tokenize, lowercase: text.lowercase },
    train: { ...part(c.train), blocks: text.split === 'none' ? null : blockStarts(c.train.stream) },
    val: c.val ? part(c.val) : null,
    valFrom: c.valFrom, store: null, close: () => {},
  };
}

/** An opened token store as training data (closing it closes the store). */
export function fromStore(s: OpenedStore): TrainingData {
  const m = s.manifest;
  const counts = (p: NonNullable<StoreManifest['parts']['val']>) => ({ tokens: p.tokens, sequences: p.sequences, oov: p.oov, chars: p.chars });
  return {
    vocab: new Vocab(m.vocab), text: { ...m.text },
    train: { source: s.train, ...counts(m.parts.train), blocks: m.text.split === 'none' ? null : s.blocks },
    val: s.val && m.parts.val ? { source: s.val, ...counts(m.parts.val) } : null,
    valFrom: m.sources.some((x) => x.part === 'val') ? 'texts' : m.valTail ? 'tail' : 'fraction',
    store: storeIdentity(s), close: () => s.close(),
  };
}

/** What a run starts from besides its options: its text or token store, or the run it continues. */
export interface RunSource {
  /** the training texts (the contents of the corpus files) */
  texts?: readonly string[];
  /** separate validation texts (instead of valFrac) */
  valTexts?: readonly string[];
  /** a token store (recur prepare) to train on instead of texts: its folder */
  store?: string;
  /** the store must be this one (a resumed run's, as its checkpoint recorded it): one that changed is refused, saying what changed */
  sameStore?: StoreIdentity;
  /** start from this model's weights and vocabulary (its architecture wins) */
  init?: LanguageModel;
  /** continue this run */
  resume?: { state: TrainState; options: TrainOptions };
}

/** The training data of a run: its store opened and checked, or its texts encoded. */
export function trainingData(src: RunSource, o: TrainOptions): TrainingData {
  if (src.store !== undefined) {
    if (src.texts || src.valTexts) throw usageError('give either texts or a token store to train on, not both');
    const data = fromStore(openStore(src.store));
    try {
      if (src.sameStore) checkSameStore(src.sameStore, data.store!);
      checkStoreFits(data, src, o);
    } catch (e) {
      data.close();
      throw e;
    }
    return data;
  }
  return fromCorpus(prepareTexts(src, o), o.data);
}

/** A run's texts encoded in memory, in the vocabulary of the run it continues or the model it starts from. */
export function prepareTexts(src: RunSource, o: TrainOptions): PreparedCorpus {
  const vocab = src.resume ? new Vocab(src.resume.state.vocab) : src.init?.vocab;
  // a running text's validation part is the end of each text (the rest is read in order)
  return prepareCorpus(src.texts ?? [], { ...o.data, valTail: o.model.runningText }, vocab, src.valTexts);
}

const TEXT_KEYS = ['level', 'split', 'tokenize', 'lowercase'] as const;

/** A store's text configuration and vocabulary must be the run's (an initial model's, a resumed run's). */
function checkStoreFits(d: TrainingData, src: RunSource, o: TrainOptions): void {
  const diff = TEXT_KEYS.filter((k) => d.text[k] !== o.data[k]);
  if (diff.length > 0) {
    throw usageError(`the token store ${src.store} was prepared with ${diff.map((k) => `${k} ${d.text[k]}`).join(', ')}, not ${diff.map((k) => `${k} ${o.data[k]}`).join(', ')}; leave those options out or prepare the store again`, [...diff]);
  }
  const want = src.resume?.state.vocab ?? src.init?.vocab.tokens;
  if (want && (want.length !== d.vocab.size || want.some((t, i) => t !== d.vocab.tokens[i]))) {
    const whose = src.resume ? 'the checkpoint\'s' : 'the initial model\'s';
    throw usageError(`the token store ${src.store} has another vocabulary than ${whose}; prepare it with --vocab-from the model`);
  }
}

/**
 * The data options a store decides (its text configuration, and the vocabulary
 * and validation fraction it was prepared with), merged under the given ones;
 * a given one that disagrees with the store is refused.
 */
export function storeDataOptions(dir: string, given: TrainOptionsGiven['data']): NonNullable<TrainOptionsGiven['data']> {
  const m = readManifest(dir).manifest;
  const fixed: Record<string, unknown> = { ...m.text, valFrac: m.valFrac };
  if (m.vocabulary.maxVocab !== null) fixed.maxVocab = m.vocabulary.maxVocab;
  if (m.vocabulary.minCount !== null) fixed.minCount = m.vocabulary.minCount;
  for (const [k, v] of Object.entries(given ?? {})) {
    if (v === undefined || !(k in fixed) || fixed[k] === v) continue;
    throw usageError(`${k} ${String(v)} disagrees with the token store ${dir}, which was prepared with ${k} ${String(fixed[k])}; leave it out, or prepare the store again`, k);
  }
  return { ...given, ...fixed } as NonNullable<TrainOptionsGiven['data']>;
}


/**
 * The validation stream as scored: the whole stream when it holds at most
 * `cap` predicted tokens (cap 0: no cap), else VAL_PIECES evenly spread pieces
 * of about cap / VAL_PIECES tokens each, joined; in lines and paragraphs mode
 * each piece runs from an <eos> to an <eos>, so the joined stream is made of
 * whole sequences (a piece holding none is left out).
 */
export function validationStream(p: DataPart, cap: number, wholeSequences: boolean, vocabSize: number): TokenIds {
  const src = p.source, positions = src.length - 1;
  if (cap <= 0 || positions <= cap) return wholeStream(src, vocabSize);
  const per = Math.max(1, Math.floor(cap / VAL_PIECES));
  const buf = new Int32Array(per + 1), out = new Int32Array(cap + 1);
  out[0] = EOS;
  let n = 1;
  for (let i = 0; i < VAL_PIECES; i++) {
    const start = Math.floor((i * (positions - per)) / (VAL_PIECES - 1));
    src.read(start, per + 1, buf, 0);
    let a = 0, b = per;
    if (wholeSequences) {
      a = buf.indexOf(EOS);
      b = buf.lastIndexOf(EOS);
      if (a < 0 || b <= a) continue;
    }
    out.set(buf.subarray(a + 1, b + 1), n);
    n += b - a;
  }
  if (n < 2) {
    // sequences longer than a piece: the stream's beginning, up to the cap
    src.read(0, cap + 1, out, 0);
    n = cap + 1;
  }
  return copyIds(out, n, vocabSize);
}

/** A whole stream in memory: an in-memory one as it is, one on disk read in pieces. */
function wholeStream(src: TokenSource, vocabSize: number): TokenIds {
  if (src instanceof ArrayTokenSource) return src.ids;
  const out = tokenIdArray(src.length, vocabSize), buf = new Int32Array(Math.min(src.length, 1 << 16));
  for (let p = 0; p < src.length; p += buf.length) {
    const n = Math.min(buf.length, src.length - p);
    src.read(p, n, buf, 0);
    out.set(buf.subarray(0, n), p);
  }
  return out;
}

function copyIds(ids: Int32Array, n: number, vocabSize: number): TokenIds {
  const out = tokenIdArray(n, vocabSize);
  for (let i = 0; i < n; i++) out[i] = ids[i];
  return out;
}

/** A store resumed from must be the store the checkpoint recorded: what changed, in one line. */
export function checkSameStore(recorded: StoreIdentity, now: StoreIdentity): void {
  const where = `the token store ${now.path}`;
  if (recorded.id === now.id) return;
  const was = new Map(recorded.shards.map((s) => [s.file, s]));
  const is = new Map(now.shards.map((s) => [s.file, s]));
  for (const [file, s] of was) {
    const t = is.get(file);
    if (!t) throw inputError(`${where} has changed since the checkpoint was written: its shard ${file} is gone; resume with the store the run was trained on`);
    if (t.bytes !== s.bytes) throw inputError(`${where} has changed since the checkpoint was written: its shard ${file} was ${s.bytes} bytes, now ${t.bytes}; resume with the store the run was trained on`);
    if (t.sha256 !== s.sha256) throw inputError(`${where} has changed since the checkpoint was written: its shard ${file} has another checksum; resume with the store the run was trained on`);
  }
  for (const file of is.keys()) if (!was.has(file)) throw inputError(`${where} has changed since the checkpoint was written: it has a new shard ${file}; resume with the store the run was trained on`);
  throw inputError(`${where} has changed since the checkpoint was written: its manifest is another (it was prepared again); resume with the store the run was trained on`);
}
