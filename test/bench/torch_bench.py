"""PyTorch side of recur's benchmark (run by `npm run bench -- --vs-torch`).

The same configurations as configs.js, read from the same table (configs.json beside this
file: kind, vocabulary, sizes, batch and the output layer, full or adaptive softmax), on
random token ids, with torch.set_num_threads (default 2). Prints one JSON line: tokens/s
median and min-max over timed windows after a warm-up, the softmax, peak RSS, threads,
torch version. A model whose output layer is not the table's is an error.

    python3 torch_bench.py C1-gru [--threads 2]
    python3 torch_bench.py --describe     the model each configuration builds, as JSON (for the tests)
"""
import json
import os
import resource
import sys
import time

import torch
import torch.nn as nn

from torch_adam import adam

WINDOWS, WINDOW_S, WARMUP_S = 7, 1.0, 1.0
OPTIMIZER = [None]  # which Adam training used (torch_adam.py)

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "configs.json")) as f:
    CONFIGS = json.load(f)


class LM(nn.Module):
    def __init__(self, V, E, H, cell, softmax, cutoffs=None):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        self.rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell](E, H, batch_first=True)
        if softmax == "adaptive":
            self.decoder = nn.AdaptiveLogSoftmaxWithLoss(H, V, cutoffs, div_value=4.0, head_bias=True)
        elif softmax == "full":
            self.decoder = nn.Linear(H, V)
        else:
            raise SystemExit(f"softmax must be full or adaptive, not {softmax!r}")
        self.adaptive = isinstance(self.decoder, nn.AdaptiveLogSoftmaxWithLoss)

    @property
    def softmax(self):
        """Which output layer was built, read off the module itself."""
        return "adaptive" if isinstance(self.decoder, nn.AdaptiveLogSoftmaxWithLoss) else "full"

    def forward(self, x, state=None):
        out, state = self.rnn(self.embedding(x), state)
        return (out if self.adaptive else self.decoder(out)), state


def detach(state):
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def build(name):
    """The configuration's model; an error unless its output layer is the table's."""
    c = CONFIGS[name]
    model = LM(c["vocab"], c["embed"], c["hidden"], c["cell"], c["softmax"], c.get("cutoffs"))
    if model.softmax != c["softmax"]:
        raise SystemExit(f"{name}: built a {model.softmax} softmax, configs.json says {c['softmax']}")
    if model.adaptive and list(model.decoder.cutoffs[:-1]) != c["cutoffs"]:
        raise SystemExit(f"{name}: built cutoffs {model.decoder.cutoffs[:-1]}, configs.json says {c['cutoffs']}")
    return model


def describe(name, model):
    c = CONFIGS[name]
    rnn = model.rnn
    return {
        "kind": c["kind"],
        "cell": {nn.RNN: "rnn", nn.GRU: "gru", nn.LSTM: "lstm"}[type(rnn)],
        "vocab": model.embedding.num_embeddings,
        "embed": model.embedding.embedding_dim,
        "hidden": rnn.hidden_size,
        "layers": rnn.num_layers,
        "softmax": model.softmax,
        "cutoffs": list(model.decoder.cutoffs[:-1]) if model.adaptive else [],
        **({"batch": c["batch"], "seqLen": c["seqLen"]} if c["kind"] == "train" else {}),
        **({"threads": c["threads"]} if "threads" in c else {}),
        **({"chunks": c["chunks"]} if "chunks" in c else {}),
        **({"sentences": c["sentences"]} if "sentences" in c else {}),
    }


def training_rate(model, B, T):
    V, H = model.embedding.num_embeddings, model.rnn.hidden_size
    opt, OPTIMIZER[0] = adam(model.parameters(), 2e-3)
    data = torch.randint(2, V, (B, 100 * T + 1))
    state, rates = None, []
    pos, start = 0, time.perf_counter()
    warm, win_start, win_steps = None, None, 0
    while len(rates) < WINDOWS:
        if pos + T + 1 > data.shape[1]:
            pos, state = 0, None
        x, y = data[:, pos : pos + T], data[:, pos + 1 : pos + T + 1]
        pos += T
        logits, state = model(x, state)
        state = detach(state)
        if model.adaptive:
            loss = model.decoder(logits.reshape(-1, H), y.reshape(-1)).loss
        else:
            loss = nn.functional.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        now = time.perf_counter() - start
        if warm is None:
            if now >= WARMUP_S:
                warm = win_start = now
            continue
        win_steps += 1
        if now - win_start >= WINDOW_S:
            rates.append(win_steps * B * T / (now - win_start))
            win_start, win_steps = now, 0
    return rates


@torch.no_grad()
def sampling_rate(model):
    def run():
        n, t0 = 0, time.perf_counter()
        while n < 2000:
            x, state = torch.zeros((1, 1), dtype=torch.long), None
            while n < 2000:
                logits, state = model(x, state)
                probs = torch.softmax(logits[0, -1], dim=-1)
                probs[1] = 0  # never <unk>
                tok = torch.multinomial(probs, 1)
                n += 1
                if tok.item() == 0:
                    break
                x = tok.view(1, 1)
        return n / (time.perf_counter() - t0)

    run()
    return [run() for _ in range(WINDOWS)]


@torch.no_grad()
def scoring_rate(model, chunks):
    V = model.embedding.num_embeddings
    ids = torch.randint(2, V, (100_001,))
    ids[0] = 0
    x, y = ids[:-1].view(chunks, -1), ids[1:].view(chunks, -1)

    def run():
        t0 = time.perf_counter()
        state, total = None, 0.0
        for p in range(0, x.shape[1], 256):
            logits, state = model(x[:, p : p + 256], state)
            logp = torch.log_softmax(logits, dim=-1).gather(2, y[:, p : p + 256].unsqueeze(2))
            total += logp.sum().item()
        return 100_000 / (time.perf_counter() - t0)

    run()
    return [run() for _ in range(5)]


def file_sentences(n, vocab):
    """The sentences of a score-file configuration, the same as configs.js fileSentences: a 32-bit LCG seeded with 1."""
    x = 1

    def nxt():
        nonlocal x
        x = (x * 1664525 + 1013904223) & 0xFFFFFFFF
        return x >> 8

    out = []
    for _ in range(n):
        length = 5 + nxt() % 26
        out.append([2 + nxt() % (vocab - 2) for _ in range(length)])  # w_i is id i + 2 (after <eos>, <unk>)
    return out


@torch.no_grad()
def file_scoring_rate(model, n, batch):
    """Every sentence from a zero state, `batch` sentences at a time padded to the longest: <eos> w1 … wn predicts w1 … wn <eos>."""
    sentences = file_sentences(n, model.embedding.num_embeddings)
    tokens = sum(len(s) + 1 for s in sentences)
    batches = []
    for b in range(0, n, batch):
        group = sentences[b : b + batch]
        L = max(len(s) for s in group) + 1
        x = torch.zeros((len(group), L), dtype=torch.long)
        y = torch.zeros((len(group), L), dtype=torch.long)
        mask = torch.zeros((len(group), L), dtype=torch.bool)
        for i, s in enumerate(group):
            x[i, 1 : len(s) + 1] = torch.tensor(s)
            y[i, : len(s)] = torch.tensor(s)
            mask[i, : len(s) + 1] = True
        batches.append((x, y, mask))

    def run():
        t0, scored = time.perf_counter(), 0
        for x, y, mask in batches:
            logits, _ = model(x)
            logp = torch.log_softmax(logits, dim=-1).gather(2, y.unsqueeze(2)).squeeze(2)
            sums = (logp * mask).sum(1)  # per sentence, as recur score reports
            scored += int(mask.sum())
        assert scored == tokens and sums.shape[0] > 0
        return tokens / (time.perf_counter() - t0)

    run()
    return [run() for _ in range(3)]


def main():
    if sys.argv[1] == "--describe":
        torch.manual_seed(1)
        print(json.dumps({name: describe(name, build(name)) for name in CONFIGS}))
        return
    name = sys.argv[1]
    if name not in CONFIGS:
        raise SystemExit(f"unknown configuration {name}; one of {', '.join(CONFIGS)}")
    c = CONFIGS[name]
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
    torch.set_num_threads(c.get("threads", threads))
    torch.manual_seed(1)
    model = build(name)
    if c["kind"] != "train" and model.adaptive:
        raise SystemExit(f"{name}: sampling and scoring are written for the full softmax")
    if c["kind"] == "train":
        rates = training_rate(model, c["batch"], c["seqLen"])
    elif c["kind"] == "sample":
        rates = sampling_rate(model)
    elif c["kind"] == "score":
        rates = scoring_rate(model, c["chunks"])
    elif c["kind"] == "score-file":
        rates = file_scoring_rate(model, c["sentences"], c["chunks"])
    else:
        raise SystemExit(f"{name}: unknown kind {c['kind']}")
    rates.sort()
    print(json.dumps({
        "config": name,
        "softmax": model.softmax,
        "tokens_per_s": round(rates[len(rates) // 2]),
        "min": round(rates[0]),
        "max": round(rates[-1]),
        "windows": len(rates),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        **({"optimizer": OPTIMIZER[0]} if OPTIMIZER[0] else {}),
    }))


if __name__ == "__main__":
    main()
