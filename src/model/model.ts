/**
 * A trained (or freshly initialised) language model: its configuration, its
 * vocabulary and its parameters as one flat Float32Array in state_dict order
 * (see params.ts). Plain data, browser-safe; computation happens in a Network.
 */
import { Rng } from '../core/rng.js';
import type { TokenizerOptions } from '../data/tokenize.js';
import type { Vocab } from '../data/vocab.js';
import { checkConfig, type ModelConfig } from './config.js';
import { initParams, paramLayout, type ParamLayout } from '../nn/params.js';

export class LanguageModel {
  readonly config: ModelConfig;
  readonly vocab: Vocab;
  readonly layout: ParamLayout;
  readonly params: Float32Array;
  /** free-form facts about how the model was made (training summary), kept in the file's metadata */
  info: Record<string, unknown>;

  constructor(config: ModelConfig, vocab: Vocab, params: Float32Array, info: Record<string, unknown> = {}) {
    checkConfig(config);
    this.config = config;
    this.vocab = vocab;
    this.layout = paramLayout(config, vocab.size);
    if (params.length !== this.layout.size) {
      throw new Error(`parameter count ${params.length} does not match the configuration (${this.layout.size})`);
    }
    this.params = params;
    this.info = info;
  }

  /** A new model with PyTorch's default initialisation, drawn from `rng`. */
  static create(config: ModelConfig, vocab: Vocab, rng: Rng): LanguageModel {
    const layout = paramLayout(config, vocab.size);
    const params = new Float32Array(layout.size);
    initParams(params, layout, config, rng);
    return new LanguageModel(config, vocab, params);
  }

  get tokenizer(): TokenizerOptions {
    return { level: this.config.level, tokenize: this.config.tokenize, lowercase: this.config.lowercase };
  }

  get parameterCount(): number {
    return this.layout.size;
  }

  /** A copy with its own parameter buffer. */
  clone(): LanguageModel {
    return new LanguageModel({ ...this.config }, this.vocab, this.params.slice(), { ...this.info });
  }
}
