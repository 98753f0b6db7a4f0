/**
 * Model files: a safetensors file holding exactly the state_dict of
 *
 *   embedding = nn.Embedding(V, E)
 *   rnn       = nn.RNN | nn.GRU | nn.LSTM(E, H, num_layers=L, batch_first=True)
 *   decoder   = nn.Linear(H, V)
 *
 * and in __metadata__: "format": "recur-lm/1", "config" (JSON object string),
 * "vocab" (JSON array of token strings, index = id) and optionally "training"
 * (JSON object string: how the model was trained). Browser-safe: bytes in, bytes out.
 */
import { formatError } from '../core/errors.js';
import { Vocab, EOS_TOKEN, UNK_TOKEN } from '../data/vocab.js';
import { CELLS, SOFTMAXES } from '../nn/config.js';
import { LEVELS, SPLITS, TOKENIZERS } from '../data/text.js';
import { CONFIG_DEFAULTS, checkConfig, checkConfigForVocab, type ModelConfig } from './config.js';
import { LanguageModel } from './model.js';
import { paramLayout, syncTiedDecoder } from '../nn/params.js';
import { describeValue, quote, readSafetensors, writeSafetensors } from '../io/safetensors.js';
import { isRecurError } from '../core/errors.js';
import { firstNonFinite } from '../core/finite.js';

export const MODEL_FORMAT = 'recur-lm/1';

export function saveModel(model: LanguageModel): Uint8Array {
  syncTiedDecoder(model.params, model.layout);
  const tensors = model.layout.views.map((v) => ({
    name: v.name,
    shape: v.shape,
    data: model.params.subarray(v.offset, v.offset + v.size),
  }));
  const metadata: Record<string, string> = {
    format: MODEL_FORMAT,
    config: JSON.stringify(model.config),
    vocab: JSON.stringify(model.vocab.tokens),
  };
  if (Object.keys(model.info).length > 0) metadata.training = JSON.stringify(model.info);
  return writeSafetensors(tensors, metadata);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw formatError(`${what} is not valid JSON`);
  }
}

export function parseConfig(raw: unknown, what: string): ModelConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw formatError(`${what}: config must be a JSON object`);
  const c = raw as Record<string, unknown>;
  for (const key of ['level', 'cell', 'embed', 'hidden', 'layers']) {
    if (!(key in c)) throw formatError(`${what}: config lacks the required key "${key}"`);
  }
  const config = {
    ...c,
    level: c.level,
    cell: c.cell,
    embed: c.embed,
    hidden: c.hidden,
    layers: c.layers,
    split: c.split ?? CONFIG_DEFAULTS.split,
    tokenize: c.tokenize ?? CONFIG_DEFAULTS.tokenize,
    lowercase: c.lowercase ?? CONFIG_DEFAULTS.lowercase,
    softmax: c.softmax ?? CONFIG_DEFAULTS.softmax,
    cutoffs: c.cutoffs ?? [...CONFIG_DEFAULTS.cutoffs],
    div_value: c.div_value ?? CONFIG_DEFAULTS.div_value,
    head_bias: c.head_bias ?? CONFIG_DEFAULTS.head_bias,
    tie: c.tie ?? CONFIG_DEFAULTS.tie,
    running_text: c.running_text ?? CONFIG_DEFAULTS.running_text,
  } as ModelConfig;
  // Check every value here, before checkConfig: its messages are worded for
  // command-line options and interpolate the value, which for JSON from a file
  // may be an object whose conversion to a string throws, or a string with newlines.
  const choices: [keyof ModelConfig, readonly string[]][] = [['level', LEVELS], ['cell', CELLS], ['split', SPLITS], ['tokenize', TOKENIZERS]];
  for (const [key, allowed] of choices) {
    const v: unknown = config[key];
    if (typeof v !== 'string' || !allowed.includes(v)) {
      throw formatError(`${what}: config.${key} is ${describeValue(v)}; it must be one of ${allowed.join(', ')}`);
    }
  }
  for (const [key, max] of [['embed', 65536], ['hidden', 65536], ['layers', 64]] as const) {
    const v: unknown = config[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
      throw formatError(`${what}: config.${key} is ${describeValue(v)}; it must be an integer from 1 to ${max}`);
    }
  }
  for (const key of ['lowercase', 'head_bias', 'tie', 'running_text'] as const) {
    if (typeof config[key] !== 'boolean') throw formatError(`${what}: config.${key} is ${describeValue(config[key])}; it must be true or false`);
  }
  if (typeof config.softmax !== 'string' || !SOFTMAXES.includes(config.softmax)) {
    throw formatError(`${what}: config.softmax is ${describeValue(config.softmax)}; it must be one of ${SOFTMAXES.join(', ')}`);
  }
  if (!Array.isArray(config.cutoffs) || config.cutoffs.length > 64 || !config.cutoffs.every((x) => typeof x === 'number' && Number.isInteger(x) && x > 0)) {
    throw formatError(`${what}: config.cutoffs must be a list of positive integers`);
  }
  if (typeof config.div_value !== 'number' || !(config.div_value >= 1 && config.div_value <= 1e6)) {
    throw formatError(`${what}: config.div_value must be a number ≥ 1`);
  }
  try {
    checkConfig(config);
  } catch (e) {
    if (isRecurError(e)) throw formatError(`${what}: invalid config: ${e.message.replace(/^--/, '')}`);
    throw e;
  }
  return config;
}

/** Parse and check a model file. `what` names it in error messages (usually the path). */
export function loadModel(bytes: Uint8Array, what = 'model file'): LanguageModel {
  const file = readSafetensors(bytes, what, true); // views of bytes where aligned: copied into params below
  const meta = file.metadata;
  if (meta.format === undefined) {
    throw formatError(`${what} is a safetensors file but not a recur model (no "format": "${MODEL_FORMAT}" in its metadata)`);
  }
  if (meta.format.startsWith('recur-ckpt/')) {
    throw formatError(`${what} is a training checkpoint, not a model; use the model file written beside it, or continue training with recur train --resume ${what}`);
  }
  if (meta.format !== MODEL_FORMAT) {
    throw formatError(`${what} has format ${quote(meta.format)}, which this recur does not read (it reads ${MODEL_FORMAT}); upgrade recur`);
  }
  if (meta.config === undefined) throw formatError(`${what}: metadata lacks "config"`);
  if (meta.vocab === undefined) throw formatError(`${what}: metadata lacks "vocab"`);
  const config = parseConfig(parseJson(meta.config, `${what}: metadata "config"`), what);
  const tokens = parseJson(meta.vocab, `${what}: metadata "vocab"`);
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string')) {
    throw formatError(`${what}: vocab must be a JSON array of strings`);
  }
  if (tokens.length < 2 || tokens[0] !== EOS_TOKEN || tokens[1] !== UNK_TOKEN) {
    throw formatError(`${what}: vocab must start with "${EOS_TOKEN}", "${UNK_TOKEN}"`);
  }
  const vocab = new Vocab(tokens as string[]);
  let info: Record<string, unknown> = {};
  if (meta.training !== undefined) {
    const t = parseJson(meta.training, `${what}: metadata "training"`);
    if (typeof t === 'object' && t !== null && !Array.isArray(t)) info = t as Record<string, unknown>;
  }

  // names and shapes are checked against the config before anything is allocated
  try {
    checkConfigForVocab(config, vocab.size);
  } catch (e) {
    if (isRecurError(e)) throw formatError(`${what}: invalid config: ${e.message.replace(/^--/, '')}`);
    throw e;
  }
  const layout = paramLayout(config, vocab.size);
  const expected = new Set(layout.views.map((v) => v.name));
  for (const name of file.tensors.keys()) {
    if (!expected.has(name)) throw formatError(`${what}: unexpected tensor ${quote(name)} for a ${config.layers}-layer ${config.cell} model`);
  }
  for (const v of layout.views) {
    const t = file.tensors.get(v.name);
    if (!t) throw formatError(`${what}: tensor "${v.name}" is missing`);
    if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) {
      const vocabHint = v.name === 'embedding.weight' || v.name.startsWith('decoder') ? ` (the vocabulary has ${vocab.size} tokens)` : '';
      throw formatError(`${what}: tensor "${v.name}" has shape [${t.shape.join(', ')}], expected [${v.shape.join(', ')}] from the config${vocabHint}`);
    }
  }
  const params = new Float32Array(layout.size);
  for (const v of layout.views) params.set(file.tensors.get(v.name)!.data, v.offset);
  const bad = firstNonFinite(params);
  if (bad >= 0) {
    const v = layout.views.find((w) => bad < w.offset + w.size)!;
    throw formatError(`${what}: tensor "${v.name}" holds a non-finite value (NaN or infinity); the model is unusable`);
  }
  const model = new LanguageModel(config, vocab, params, info);
  return model;
}
