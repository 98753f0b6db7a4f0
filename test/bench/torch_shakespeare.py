"""PyTorch twin of the Tiny Shakespeare quality protocol (test/bench/quality.sh, QUALITY.md).

The same task as recur's run, so that the two figures can stand side by side:

    python torch_shakespeare.py TRAIN TEST [--time 600] [--threads 2] [--seed 1]
                                [--lr-decay 0.5] [--patience 2] [--early-stop 6]

- TRAIN (the first 90% of the text) is cut as recur's `--split none --val-frac 0.1` cuts it:
  its first 90% for training, its last tenth for validation; TEST (the last 10% of the text)
  is scored once, at the end, by the model that was best on validation.
- Tokens are characters plus <eos> (id 0) and <unk> (id 1); the vocabulary comes from the
  training part only. Each part is one sequence: <eos> text <eos>.
- The model and recipe are recur's defaults: embedding 64, a 1-layer GRU of 256, a linear
  decoder; batch 32 x 64 (32 contiguous streams, the state carried from window to window and
  reset at every epoch start, as recur's BatchStream); mean cross-entropy; gradient norm
  clipped to 5; Adam with lr 2e-3 (torch_adam.py); validation once per epoch and once at the end; the
  learning rate halved after `patience` validations without improvement; training stops
  after `early-stop` validations without improvement (0 = never) or when the wall-clock
  budget (validation included) is spent. `--lr-decay 1 --early-stop 0` gives plain Adam.
- Validation as recur's: the validation stream in 32 chunks, each warmed up on the 128
  characters before it (scores discarded); the test text as one sequence, exactly.

Prints one JSON line: steps, epochs, best validation loss and its step, the test loss (nats
per character, <eos> included, as `recur eval`), tokens/s, threads, torch version.
"""
import argparse
import json
import math
import os
import sys
import time
from types import SimpleNamespace

import torch
import torch.nn as nn

from torch_adam import adam

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from recur_torch.evaluate import plan_chunks  # noqa: E402  (recur's planChunks, in the repository's PyTorch trainer)

EOS, UNK = 0, 1
E, H, B, T, LR, CLIP, VAL_FRAC, VAL_STREAMS = 64, 256, 32, 64, 2e-3, 5.0, 0.1, 32


class LM(nn.Module):
    def __init__(self, V):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        self.rnn = nn.GRU(E, H, batch_first=True)
        self.decoder = nn.Linear(H, V)

    def forward(self, x, h=None):
        out, h = self.rnn(self.embedding(x), h)
        return self.decoder(out), h


def encode(text, ids):
    return torch.tensor([EOS] + [ids.get(c, UNK) for c in text] + [EOS], dtype=torch.long)


@torch.no_grad()
def chunk_loss(model, stream, chunks):
    """Mean NLL of the scored positions of (start, from, end) chunks, run side by side."""
    n = max(end - start for start, _, end in chunks)
    x = torch.zeros(len(chunks), n, dtype=torch.long)
    y = torch.zeros(len(chunks), n, dtype=torch.long)
    scored = torch.zeros(len(chunks), n, dtype=torch.bool)
    for b, (start, frm, end) in enumerate(chunks):
        x[b, : end - start] = stream[start:end]
        y[b, : end - start] = stream[start + 1 : end + 1]
        scored[b, frm - start : end - start] = True
    total, h = 0.0, None
    for p in range(0, n, 1024):
        logits, h = model(x[:, p : p + 1024], h)
        nll = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y[:, p : p + 1024].reshape(-1), reduction="none")
        total += nll[scored[:, p : p + 1024].reshape(-1)].double().sum().item()
    return total / scored.sum().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("train")
    ap.add_argument("test")
    ap.add_argument("--time", type=float, default=600, help="wall-clock budget in seconds")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--lr-decay", type=float, default=0.5)
    ap.add_argument("--patience", type=int, default=2)
    ap.add_argument("--early-stop", type=int, default=6)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    with open(a.train, encoding="utf-8", newline="") as f:
        text = f.read().replace("\r\n", "\n")
    with open(a.test, encoding="utf-8", newline="") as f:
        test_text = f.read().replace("\r\n", "\n")
    cut = math.floor(len(text) * (1 - VAL_FRAC))
    train_text, val_text = text[:cut], text[cut:]
    chars = sorted(set(train_text))
    ids = {c: i + 2 for i, c in enumerate(chars)}
    V = len(chars) + 2
    train_stream, val_stream, test_stream = encode(train_text, ids), encode(val_text, ids), encode(test_text, ids)
    L = (len(train_stream) - 1) // B
    windows = L // T
    rows = torch.stack([train_stream[b * L : b * L + windows * T + 1] for b in range(B)])
    val_chunks = plan_chunks(SimpleNamespace(length=len(val_stream)), VAL_STREAMS, 2 * T)  # cut anywhere, warmed up on 2T

    model = LM(V)
    opt, optimizer = adam(model.parameters(), LR)
    lr, best, best_state, best_step, since_best, since_change = LR, None, None, None, 0, 0
    step, epoch, w, h, stop = 0, 0, 0, None, None
    start = time.perf_counter()

    def validate():
        nonlocal best, best_state, best_step, since_best, since_change, lr, stop
        model.eval()
        loss = chunk_loss(model, val_stream, val_chunks)
        model.train()
        if best is None or loss < best:
            best, best_step, since_best, since_change = loss, step, 0, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
            return
        since_best += 1
        since_change += 1
        if a.early_stop > 0 and since_best >= a.early_stop:
            stop = "early-stop"
        elif a.lr_decay < 1 and since_change >= a.patience:
            lr *= a.lr_decay
            since_change = 0
            for g in opt.param_groups:
                g["lr"] = lr

    while stop is None:
        if time.perf_counter() - start >= a.time:
            stop = "time"
            break
        if w == windows:
            epoch, w, h = epoch + 1, 0, None
        x, y = rows[:, w * T : w * T + T], rows[:, w * T + 1 : w * T + T + 1]
        w += 1
        logits, h = model(x, h)
        h = h.detach()
        loss = nn.functional.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        opt.step()
        step += 1
        if step % windows == 0:
            validate()
    if step % windows != 0:
        validate()
    elapsed = time.perf_counter() - start
    model.load_state_dict(best_state)
    model.eval()
    test_loss = chunk_loss(model, test_stream, [(0, 0, len(test_stream) - 1)])
    print(json.dumps({
        "steps": step,
        "epochs": round(epoch + w / windows, 3),
        "stop": stop,
        "best_val_loss": round(best, 4),
        "best_step": best_step,
        "test_loss": round(test_loss, 4),
        "test_tokens": len(test_stream) - 1,
        "vocab": V,
        "tokens_per_s": round(step * B * T / elapsed),
        "elapsed_s": round(elapsed, 1),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "optimizer": optimizer,
    }))


if __name__ == "__main__":
    main()
