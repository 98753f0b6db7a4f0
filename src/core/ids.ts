/**
 * The two token ids every floor agrees on. The vocabulary (data/vocab.ts)
 * gives them their strings; the network (nn/network.ts) resets its state at
 * every EOS input; samplers never draw UNK unless asked.
 */

/** <eos>: ends every sequence and is the first input of each. */
export const EOS = 0;
/** <unk>: every token that is not in the vocabulary. */
export const UNK = 1;
