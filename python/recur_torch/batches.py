"""Training windows, exactly as recur's BatchStream (src/data/batches.ts).

B parallel streams × T steps (char-rnn's scheme). The epoch's stream
(N = tokens + 1 ids) is cut into B contiguous chunks of L = ⌊(N − 1)/B⌋ input
positions; window w gives stream b the inputs at positions

    q = b·L + w·T + t,   t = 0 … T − 1,   targets at q + 1,

so consecutive windows continue each stream and the hidden state is carried
across them (truncated BPTT). An epoch is ⌊L/T⌋ windows. In lines and
paragraphs mode the order of the store's shuffle blocks is drawn at every epoch
start (Fisher–Yates with recur's Rng); the epoch's stream is the blocks laid
end to end in that order, then the closing <eos>, and is never built: position
q is found in block i = the last one whose offset at[i] ≤ q. In none mode the
stream is read as it is.

Under DistributedDataParallel each process reads streams b0 … b0 + Bc − 1 of
the same windows; the global batch is the same as one process's.
"""
import numpy as np

EOS = 0


def fit_window(stream_length, B, T):
    """B and T as asked when the stream holds one window, else a smaller B, else a shorter T (recur's fitWindow)."""
    positions = stream_length - 1
    if positions // B >= T:
        return B, T
    b = positions // T
    if b >= 1:
        return b, T
    return 1, max(1, positions)


class BatchStream:
    def __init__(self, part, B, T, shuffle):
        self.part = part
        self.B, self.T = B, T
        self.L = (part.length - 1) // B
        self.windows_per_epoch = self.L // T
        if self.windows_per_epoch < 1:
            raise ValueError("BatchStream: the stream is shorter than one window")
        blocks = part.blocks if shuffle else None
        #: block starts in the source stream; None: no shuffling
        self.blocks = blocks if blocks is not None and len(blocks) >= 2 else None
        if self.blocks is not None:
            ends = np.append(self.blocks[1:], part.length - 1)
            self.block_lengths = ends - self.blocks
        self.order = self.at = None
        self.epoch = 0
        self.window = 0
        self.epoch_rng = None

    def begin_epoch(self, rng):
        """Draw this epoch's order of the blocks from `rng` (call once per epoch, before its first window)."""
        self.window = 0
        self.epoch_rng = rng.state()
        if self.blocks is None:
            return
        order = np.arange(len(self.blocks), dtype=np.int64)
        rng.shuffle(order)
        self.order = order
        self.at = np.concatenate(([0], np.cumsum(self.block_lengths[order])))  # … and the closing <eos>

    def window_ids(self, b0, Bc):
        """The T + 1 ids of streams b0 … b0 + Bc − 1 in the current window: an int64 array (Bc, T + 1)."""
        q = (np.arange(b0, b0 + Bc, dtype=np.int64)[:, None] * self.L + self.window * self.T) + np.arange(self.T + 1, dtype=np.int64)[None, :]
        if self.blocks is None:
            return self.part.read(q)
        n = len(self.blocks)
        i = np.searchsorted(self.at, q, side="right") - 1
        past = i >= n  # the closing <eos>
        i = np.minimum(i, n - 1)
        src = self.blocks[self.order[i]] + (q - self.at[i])
        ids = self.part.read(np.where(past, 0, src))
        ids[past] = EOS
        return ids

    def advance(self):
        self.window += 1

    @property
    def epoch_done(self):
        return self.window >= self.windows_per_epoch

    def next_epoch_if_done(self, rng):
        """Start the next epoch if this one is done (its order drawn from `rng`); True if it did."""
        if not self.epoch_done:
            return False
        self.epoch += 1
        self.begin_epoch(rng)
        return True

    def snapshot(self):
        return {"epoch": self.epoch, "window": self.window, "epochRng": dict(self.epoch_rng)}

    def restore(self, p, rng_class):
        """Continue from a position: the epoch's order is drawn again from the state it was drawn from."""
        self.epoch = p["epoch"]
        self.begin_epoch(rng_class.restore(p["epochRng"]))
        self.window = p["window"]
