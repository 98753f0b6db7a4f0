/**
 * The page script of the browser test: the inference path only, from the
 * library's browser entry, recur/inference (load a model from bytes, sample, stream, score;
 * word tokens of text without spaces, from the browser's Intl.Segmenter).
 */
import { InferenceSession, Rng, SAMPLE_DEFAULTS, detokenize, loadModel, sampleOne, sampleStream, scoreSentences, tokenize } from '../../src/inference.js';

export interface BrowserRun {
  samples: string[];
  streamed: string[];
  scores: { text: string; logprob: number; tokens: number }[];
}

export async function run(bytes: Uint8Array, seed: number, sentences: string[]): Promise<BrowserRun> {
  const model = loadModel(bytes, 'model');
  const session = await InferenceSession.create(model);
  const rng = new Rng(seed);
  const samples: string[] = [];
  for (let i = 0; i < 5; i++) samples.push(sampleOne(session, { ...SAMPLE_DEFAULTS, temperature: 0.9 }, rng).text);
  const streamed: string[] = [];
  for await (const t of sampleStream(session, { ...SAMPLE_DEFAULTS, maxLength: 40 }, new Rng(seed + 1))) streamed.push(t.token);
  const scorer = await InferenceSession.create(model, { batch: 4, steps: 16 });
  const scores = scoreSentences(scorer, sentences).map((s) => ({ text: s.text, logprob: s.logprob, tokens: s.tokens.length }));
  return { samples, streamed, scores };
}

/** The segment tokenizer's tokens of each text, and the text joined back from them. */
export function segmentWords(texts: string[]): { tokens: string[]; joined: string }[] {
  const tok = { level: 'word', tokenize: 'segment', lowercase: false } as const;
  return texts.map((t) => {
    const tokens = tokenize(t, tok);
    return { tokens, joined: detokenize(tokens, tok) };
  });
}

(globalThis as unknown as { recurRun: typeof run }).recurRun = run;
(globalThis as unknown as { recurSegment: typeof segmentWords }).recurSegment = segmentWords;
