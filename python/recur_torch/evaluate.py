"""Validation: the mean cross-entropy of the validation stream, scored in parallel chunks (src/model/evaluate.ts).

Chunks start at <eos> inputs, where the state is reset anyway, so the result is
what one long pass would give. In split none mode (one long sequence) the
stream is cut anywhere and each chunk is warmed up on the `burn_in` = 2T tokens
before it, whose scores are discarded. The chunks are scored side by side, T
steps at a time, as a batch of streams.
"""
import numpy as np
import torch

EOS = 0
_SCAN = 4096


def plan_chunks(part, count, burn_in=-1):
    """[(start, from, end)]: feed inputs start … end − 1, score those from `from` on (recur's planChunks)."""
    positions = part.length - 1
    chunks, begin = [], 0
    for c in range(1, count + 1):
        if begin >= positions:
            break
        cut = positions if c == count else _round_half_up(c * positions / count)
        if cut <= begin:
            continue
        if burn_in < 0:
            cut = _next_eos(part, cut, positions)
        chunks.append((max(0, begin - burn_in) if burn_in >= 0 else begin, begin, cut))
        begin = cut
    return chunks


def _round_half_up(x):
    # JavaScript's Math.round
    return int(np.floor(x + 0.5))


def _next_eos(part, p, positions):
    """The first position ≥ p holding <eos>, or `positions`."""
    while p < positions:
        ids = part.slice(p, min(p + _SCAN, positions))
        hit = np.flatnonzero(ids == EOS)
        if len(hit):
            return p + int(hit[0])
        p += len(ids)
    return positions


class MemoryPart:
    """A stream held in memory (a capped validation part), read like a store's Part."""

    def __init__(self, ids, tokens):
        self.ids = np.asarray(ids, dtype=np.int64)
        self.length = len(self.ids)
        self.tokens = tokens

    def read(self, positions):
        return self.ids[np.asarray(positions, dtype=np.int64)]

    def slice(self, begin, end):
        return self.ids[begin:end]


def validation_part(part, cap, whole_sequences, pieces):
    """The validation stream as scored (recur's validationStream, src/train/data.ts): the
    whole part when it holds at most `cap` predicted tokens (cap 0: no cap), else `pieces`
    evenly spread pieces of ⌊cap / pieces⌋ tokens joined, each cut to whole sequences in
    lines and paragraphs mode; the stream's beginning when no piece holds a whole sequence."""
    positions = part.length - 1
    if cap <= 0 or positions <= cap:
        return part
    per = max(1, cap // pieces)
    out, n = [np.zeros(1, dtype=np.int64)], 1
    for i in range(pieces):
        start = (i * (positions - per)) // (pieces - 1)
        buf = part.slice(start, start + per + 1)
        a, b = 0, per
        if whole_sequences:
            hits = np.flatnonzero(buf == EOS)
            if len(hits) == 0 or hits[-1] <= hits[0]:
                continue
            a, b = int(hits[0]), int(hits[-1])
        out.append(buf[a + 1:b + 1])
        n += b - a
    if n < 2:
        return MemoryPart(part.slice(0, cap + 1), cap)
    return MemoryPart(np.concatenate(out), n - 1)


@torch.no_grad()
def mean_loss(model, part, chunks, T, device):
    """Mean negative log-likelihood (nats per token) of the scored positions, summed in float64."""
    was_training = model.training
    model.eval()
    starts = np.array([c[0] for c in chunks], dtype=np.int64)[:, None]
    froms = np.array([c[1] for c in chunks], dtype=np.int64)[:, None]
    ends = np.array([c[2] for c in chunks], dtype=np.int64)[:, None]
    longest = int((ends - starts).max())
    state = model.zero_state(len(chunks), device)
    total = torch.zeros((), dtype=torch.float64, device=device)
    for w in range(0, longest, T):
        Tc = min(T, longest - w)
        p = starts + w + np.arange(Tc, dtype=np.int64)[None, :]  # (chunks, Tc)
        live = p < ends
        inputs = np.where(live, part.read(np.where(live, p, 0)), EOS)
        targets = np.where(live, part.read(np.where(live, p + 1, 0)), EOS)
        scored = torch.from_numpy((live & (p >= froms)).T.copy()).to(device)
        x = torch.from_numpy(inputs.T.copy()).to(device)
        y = torch.from_numpy(targets.T.copy()).to(device)
        logp, state = model(x, y, state, resets_inside=bool((inputs[:, 1:] == EOS).any()))
        total -= logp.double()[scored].sum()
    if was_training:
        model.train()
    n = int((ends - froms).sum())
    return total.item() / n if n > 0 else float("nan")
