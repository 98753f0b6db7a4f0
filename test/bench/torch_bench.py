"""PyTorch side of recur's benchmark (run by `npm run bench -- --vs-torch`).

The same configurations as configs.js, on random token ids, with torch.set_num_threads
(default 2). Prints one JSON line: tokens/s median and min-max over timed windows after
a warm-up, peak RSS, threads, torch version.

    python3 torch_bench.py C1-gru [--threads 2]
"""
import json
import resource
import sys
import time

import torch
import torch.nn as nn

WINDOWS, WINDOW_S, WARMUP_S = 7, 1.0, 1.0


class LM(nn.Module):
    def __init__(self, V, E, H, cell, cutoffs=None):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        self.rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell](E, H, batch_first=True)
        self.adaptive = cutoffs is not None
        if self.adaptive:
            self.decoder = nn.AdaptiveLogSoftmaxWithLoss(H, V, cutoffs, div_value=4.0, head_bias=True)
        else:
            self.decoder = nn.Linear(H, V)

    def forward(self, x, state=None):
        out, state = self.rnn(self.embedding(x), state)
        return (out if self.adaptive else self.decoder(out)), state


def detach(state):
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def training_rate(V, E, H, cell, B, T, cutoffs=None):
    model = LM(V, E, H, cell, cutoffs)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
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
def sampling_rate(V, E, H):
    model = LM(V, E, H, "gru")

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
def scoring_rate(chunks):
    V = 65
    model = LM(V, 65, 256, "gru")
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


def main():
    name = sys.argv[1]
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    if name == "C1-gru-1thread":
        torch.set_num_threads(1)
        rates = training_rate(65, 65, 256, "gru", 32, 64)
    elif name.startswith("C1-"):
        rates = training_rate(65, 65, 256, name[3:], 32, 64)
    elif name == "C2-gru":
        rates = training_rate(10000, 128, 256, "gru", 32, 32)
    elif name == "C2-adaptive":
        rates = training_rate(10000, 128, 256, "gru", 32, 32, cutoffs=[2000])
    elif name == "C3-char":
        rates = sampling_rate(65, 65, 256)
    elif name == "C3-word":
        rates = sampling_rate(10000, 128, 256)
    elif name == "C4-one":
        rates = scoring_rate(1)
    elif name == "C4-chunks32":
        rates = scoring_rate(32)
    else:
        raise SystemExit(f"unknown configuration {name}")
    rates.sort()
    print(json.dumps({
        "config": name,
        "tokens_per_s": round(rates[len(rates) // 2]),
        "min": round(rates[0]),
        "max": round(rates[-1]),
        "windows": len(rates),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
