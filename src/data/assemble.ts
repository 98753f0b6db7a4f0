/**
 * Putting units' results together (units.ts): the index of each unit's first
 * sequence, which `none` parts have text, the counts the vocabulary is made
 * from, and the totals of each stream. Results may arrive in any order; what
 * comes out depends only on the results. Pieces of an input that looks binary
 * are left out, and so is a unit that read a later range of one. Browser-safe.
 */
import type { SplitMode } from './text.js';
import type { CountsExport } from './scan.js';
import type { TokenCounter } from './vocab.js';
import { emptyStats, type PartStats, type PieceResult, type UnitResult, type UnitTask } from './units.js';

interface NonePart {
  text: boolean;
  stats: PartStats;
  blank: CountsExport[];
  part: 'train' | 'val';
}

export interface PassSummary {
  /** per unit: its 'auto' sequences, its training sequences, and the ids it writes to each stream */
  auto: number[];
  trainSequences: number[];
  trainIds: number[];
  valIds: number[];
  /** the streams: sequences, predicted tokens, <unk>s, characters */
  train: PartStats;
  val: PartStats;
  /** none mode: each part of a file ("source:start-of-part") and whether it has text */
  parts: Map<string, NonePart>;
}

/** The pieces of a result that count (not of an input that looks binary), with their tasks. */
function counted(task: UnitTask, r: UnitResult, binary: ReadonlySet<number>): [UnitTask['pieces'][number], PieceResult][] {
  const out: [UnitTask['pieces'][number], PieceResult][] = [];
  r.pieces.forEach((p, k) => {
    if (p && !binary.has(task.pieces[k].source)) out.push([task.pieces[k], p]);
  });
  return out;
}

/** A unit that read a later range of an input that looks binary: none of it counts. */
export function unitDropped(task: UnitTask, r: UnitResult, binary: ReadonlySet<number>): boolean {
  return r.pieces.some((p, k) => p !== null && binary.has(task.pieces[k].source));
}

function addStats(into: PartStats, s: PartStats): void {
  into.sequences += s.sequences;
  into.tokens += s.tokens;
  into.oov += s.oov;
  into.chars += s.chars;
}

/** Key of the `none` part a piece belongs to: the part of a file is named by its source and where it begins. */
export function partKey(p: { source: number; part: string }): string {
  return `${p.source}:${p.part}`;
}

export function summarize(units: readonly UnitTask[], results: readonly UnitResult[], binary: ReadonlySet<number>, split: SplitMode): PassSummary {
  const s: PassSummary = { auto: [], trainSequences: [], trainIds: [], valIds: [], train: emptyStats(), val: emptyStats(), parts: new Map() };
  units.forEach((task, u) => {
    const r = results[u];
    let auto = 0, train = 0;
    if (r && !unitDropped(task, r, binary)) {
      for (const [piece, pr] of counted(task, r, binary)) {
        auto += pr.autoSequences;
        train += pr.train.sequences;
        if (split !== 'none') {
          addStats(s.train, pr.train);
          addStats(s.val, pr.val);
          continue;
        }
        const part = piece.part === 'val' ? 'val' : 'train';
        const key = partKey(piece);
        const np = s.parts.get(key) ?? { text: false, stats: emptyStats(), blank: [], part };
        s.parts.set(key, np);
        np.text ||= pr.text;
        addStats(np.stats, pr[part]);
        if (pr.blankCounts) np.blank.push(pr.blankCounts);
      }
    }
    s.auto.push(auto);
    s.trainSequences.push(train);
  });
  unitIds(units, results, binary, s);
  for (const np of s.parts.values()) {
    if (!np.text) continue;
    // the part's <eos> (written by its closing piece when encoding; counted here from the pieces' tokens)
    const eos = np.stats.sequences === 0 ? 1 : 0;
    addStats(s[np.part], { sequences: np.stats.sequences + eos, tokens: np.stats.tokens + eos, oov: np.stats.oov, chars: np.stats.chars + eos });
  }
  return s;
}

/**
 * The ids each unit writes to each stream: its pieces' tokens, and (none mode)
 * the <eos> of a part with text, written by the piece that closes it.
 */
function unitIds(units: readonly UnitTask[], results: readonly UnitResult[], binary: ReadonlySet<number>, s: PassSummary): void {
  units.forEach((task, u) => {
    let train = 0, val = 0;
    const r = results[u];
    if (r && !unitDropped(task, r, binary)) {
      for (const [piece, pr] of counted(task, r, binary)) {
        train += pr.train.tokens;
        val += pr.val.tokens;
        const np = s.parts.get(partKey(piece));
        if (np?.text && piece.closes && np.stats.sequences === 0) {
          if (np.part === 'val') val++;
          else train++;
        }
      }
    }
    s.trainIds.push(train);
    s.valIds.push(val);
  });
}

/** Tell each unit the global index of its first 'auto' and first training sequence, and where its ids go in each stream. */
export function setOffsets(units: UnitTask[], s: PassSummary): void {
  // position 0 of each stream is its opening <eos>
  let auto = 0, train = 0, trainAt = 1, valAt = 1;
  units.forEach((task, u) => {
    task.autoOffset = auto;
    task.trainOffset = train;
    task.trainAt = trainAt;
    task.valAt = valAt;
    auto += s.auto[u];
    train += s.trainSequences[u];
    trainAt += s.trainIds[u];
    valAt += s.valIds[u];
  });
}

/** Leave out the pieces of inputs that look binary, and (none mode) tell pieces whether their part has text. */
export function setPieces(units: UnitTask[], s: PassSummary, binary: ReadonlySet<number>): void {
  for (const task of units) {
    task.pieces = task.pieces.filter((p) => !binary.has(p.source));
    for (const p of task.pieces) p.emit = s.parts.get(partKey(p))?.text ?? false;
  }
}

function addExport(counter: TokenCounter, c: CountsExport): void {
  const m = counter.counts;
  if ('tokens' in c) c.tokens.forEach((t, i) => m.set(t, (m.get(t) ?? 0) + c.counts[i]));
  else c.codePoints.forEach((cp, i) => {
    const t = String.fromCodePoint(cp);
    m.set(t, (m.get(t) ?? 0) + c.counts[i]);
  });
}

/** Add a unit's training-token counts (a dropped unit's are not). */
export function addCounts(counter: TokenCounter, task: UnitTask, r: UnitResult, binary: ReadonlySet<number>): void {
  if (r.counts && !unitDropped(task, r, binary)) addExport(counter, r.counts);
}

/** Add the counts of blank `none` pieces whose part turned out to have text. */
export function addBlankCounts(counter: TokenCounter, s: PassSummary): void {
  for (const np of s.parts.values()) if (np.text && np.part === 'train') for (const c of np.blank) addExport(counter, c);
}
