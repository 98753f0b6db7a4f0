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
