"""The language model recur trains, as a PyTorch module whose state_dict is recur's model file.

    embedding = nn.Embedding(V, E)
    rnn       = nn.RNN (tanh) | nn.GRU | nn.LSTM(E, H, num_layers=L, batch_first=True)
    decoder   = nn.Linear(H, V)  (tied: decoder.weight is embedding.weight)
                or nn.AdaptiveLogSoftmaxWithLoss(H, V, cutoffs, div_value, head_bias)

One window of T steps for B streams, time-major (inputs and targets (T, B)):

    x⁰ = dropout(embedding[inputs] · e[inputs])                       (T, B, E)
         e: embedding dropout, one multiplier per vocabulary token and window (else 1)
         dropout: one multiplier per value, or locked: one per stream and unit, the same at every step
    per layer l: gi = x W_ihᵀ + b_ih for all T steps at once            (T, B, G·H)
        for t: h̃ = h⟨t−1⟩ · [inputs[t] ≠ <eos>]   (the state is reset at every <eos> input; running text: h̃ = h⟨t−1⟩)
               gh = h̃ W̃_hhᵀ + b_hh       W̃_hh = W_hh ⊙ m, one weight-drop mask per window (else W_hh)
               RNN  h⟨t⟩ = tanh(gi + gh)
               GRU  r, z = σ(gi_r + gh_r), σ(gi_z + gh_z);  n = tanh(gi_n + r ⊙ gh_n);  h⟨t⟩ = (1 − z) ⊙ n + z ⊙ h̃
               LSTM i, f, g, o = σ, σ, tanh, σ of (gi + gh);  c⟨t⟩ = f ⊙ c̃ + i ⊙ g;  h⟨t⟩ = o ⊙ tanh(c⟨t⟩)
        x^(l+1) = dropout(h)
    log p(target) = log softmax(x^L W_decᵀ + b_dec)[target], or the adaptive softmax's

which is recur's network (src/nn/network.ts) equation for equation. The state
after the last step is returned, to be carried (detached) into the next window.
When no stream meets an <eos> after the window's first step (always in split
none mode), the layers run as one call of the nn.RNN/GRU/LSTM module itself
(cuDNN or oneDNN's fused kernels), which computes the same thing faster.

Dropout, embedding-dropout and weight-drop masks come from a torch.Generator
the caller seeds per step, so a run and its resumed continuation draw the same
masks. Embedding dropout (Gal and Ghahramani 2016) drops whole tokens: every
occurrence of a dropped token in the window has a zero embedding. Weight drop
(DropConnect on W_hh, Merity et al. 2018) zeroes each recurrent weight with
probability p for a whole window and scales the rest by 1/(1 − p); autograd
then gives ∂J/∂W_hh = ∂J/∂W̃_hh ⊙ m, as recur's backward computes it.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class RecurLM(nn.Module):
    def __init__(self, config, V, dropout=0.0, weight_drop=0.0, embed_drop=0.0, locked=False):
        super().__init__()
        E, H, L = config["embed"], config["hidden"], config["layers"]
        self.config, self.V, self.dropout, self.weight_drop, self.embed_drop = config, V, dropout, weight_drop, embed_drop
        self.locked = locked
        #: the state carries across <eos> inputs (a model of running text) instead of being reset there
        self.running_text = bool(config.get("running_text", False))
        self.cell, self.L, self.H = config["cell"], L, H
        self.embedding = nn.Embedding(V, E)
        self.rnn = CELLS[self.cell](E, H, num_layers=L, batch_first=True)
        self.adaptive = config["softmax"] == "adaptive"
        if self.adaptive:
            self.decoder = nn.AdaptiveLogSoftmaxWithLoss(H, V, list(config["cutoffs"]), div_value=float(config["div_value"]), head_bias=config["head_bias"])
        else:
            self.decoder = nn.Linear(H, V)
            if config["tie"]:
                self.decoder.weight = self.embedding.weight

    def zero_state(self, B, device):
        """h (and c for LSTM) per layer, stacked: (L, B, H)."""
        h = torch.zeros(self.L, B, self.H, device=device)
        return (h, torch.zeros_like(h)) if self.cell == "lstm" else (h,)

    def forward(self, inputs, targets, state, resets_inside=True, generator=None):
        """
        inputs, targets: (T, B) int64; state: zero_state's shape; resets_inside: some
        stream has an <eos> input at a step t ≥ 1 (the caller knows it from the ids);
        generator: draws the dropout, embedding-dropout and weight-drop masks (training only).
        Returns (log p(target) (T, B), the state after the window).
        """
        masks = self.training and generator is not None
        drop, wdrop = masks and self.dropout > 0, masks and self.weight_drop > 0
        keep = (inputs != 0).unsqueeze(-1).to(self.embedding.weight.dtype)  # (T, B, 1)
        if self.running_text:
            keep, resets_inside = torch.ones_like(keep), False
        x = self.embedding(inputs)
        if masks and self.embed_drop > 0:
            ones = torch.ones(self.V, 1, device=x.device, dtype=x.dtype)
            x = x * self._dropout(ones, generator, self.embed_drop)[inputs]
        if drop:
            x = self._drop_steps(x, generator)
        state = tuple(s * keep[0] for s in state)
        if not resets_inside and not (drop and self.L > 1) and not wdrop:
            y, state = self._fused(x, state)
        else:
            y, state = self._stepwise(x, state, keep, generator if drop else None, generator if wdrop else None)
        if drop:
            y = self._drop_steps(y, generator)
        return self.log_probs(y, targets), state

    def _fused(self, x, state):
        out, s = self.rnn(x.transpose(0, 1), state if self.cell == "lstm" else state[0])
        return out.transpose(0, 1), (s if self.cell == "lstm" else (s,))

    def _stepwise(self, x, state, keep, generator, weight_generator=None):
        """The layers step by step; generator: dropout between layers; weight_generator: weight-drop masks."""
        T = x.shape[0]
        hs, cs = [], []
        for l in range(self.L):
            if l > 0 and generator is not None:
                x = self._drop_steps(x, generator)
            w_ih, w_hh = getattr(self.rnn, f"weight_ih_l{l}"), getattr(self.rnn, f"weight_hh_l{l}")
            if weight_generator is not None:
                w_hh = self._dropout(w_hh, weight_generator, self.weight_drop)
            b_ih, b_hh = getattr(self.rnn, f"bias_ih_l{l}"), getattr(self.rnn, f"bias_hh_l{l}")
            gi = F.linear(x, w_ih, b_ih)  # (T, B, G·H) for the whole window
            h = state[0][l]
            c = state[1][l] if self.cell == "lstm" else None
            out = []
            for t in range(T):
                hp = h * keep[t] if t > 0 else h  # the carried state was reset by the caller's keep[0]
                gh = F.linear(hp, w_hh, b_hh)
                if self.cell == "rnn":
                    h = torch.tanh(gi[t] + gh)
                elif self.cell == "gru":
                    i_r, i_z, i_n = gi[t].chunk(3, 1)
                    h_r, h_z, h_n = gh.chunk(3, 1)
                    r = torch.sigmoid(i_r + h_r)
                    z = torch.sigmoid(i_z + h_z)
                    n = torch.tanh(i_n + r * h_n)
                    h = (1 - z) * n + z * hp
                else:
                    cp = c * keep[t] if t > 0 else c
                    i, f, g, o = (gi[t] + gh).chunk(4, 1)
                    c = torch.sigmoid(f) * cp + torch.sigmoid(i) * torch.tanh(g)
                    h = torch.sigmoid(o) * torch.tanh(c)
                out.append(h)
            x = torch.stack(out)
            hs.append(h)
            cs.append(c)
        return x, ((torch.stack(hs), torch.stack(cs)) if self.cell == "lstm" else (torch.stack(hs),))

    def _drop_steps(self, x, generator):
        """Dropout of x (T, B, n): one multiplier per value, or locked: one (B, n) mask for all T steps."""
        return self._dropout(x, generator, self.dropout, x.shape[1:] if self.locked else None)

    def _dropout(self, x, generator, p, mask_shape=None):
        """x times a mask of 0 (probability p) and 1/(1 − p); the mask is drawn in mask_shape (default x's) and broadcast."""
        mask = torch.rand(mask_shape or x.shape, generator=generator, device=x.device) >= p
        return x * mask.to(x.dtype) * (1.0 / (1.0 - p))

    def log_probs(self, y, targets):
        """log p(target) for every row: y (T, B, H), targets (T, B) → (T, B)."""
        T, B, H = y.shape
        y2, t2 = y.reshape(T * B, H), targets.reshape(T * B)
        if not self.adaptive:
            return -F.cross_entropy(self.decoder(y2), t2, reduction="none").view(T, B)
        return adaptive_log_probs(self.decoder, y2, t2).view(T, B)


def adaptive_log_probs(dec, y, targets):
    """
    nn.AdaptiveLogSoftmaxWithLoss's log p(target), with every cluster computed
    (on no rows when none of its tokens is a target), so every parameter takes
    part in every step and DistributedDataParallel needs no unused-parameter search:

        head = y W_headᵀ (+ b_head)                 shortlist tokens and one entry per cluster
        log p(w) = log softmax(head)[w]                                        w < c₀
        log p(w) = log softmax(head)[c₀ + i] + log softmax(tail_i(y))[w − cᵢ]   cᵢ ≤ w < cᵢ₊₁
    """
    cut = dec.cutoffs  # [c₀, …, V]
    head_target = targets.clone()
    tail = torch.zeros(targets.shape[0], dtype=y.dtype, device=y.device)
    for i in range(len(cut) - 1):
        inside = (targets >= cut[i]) & (targets < cut[i + 1])
        rows = inside.nonzero().squeeze(1)
        head_target[rows] = dec.shortlist_size + i
        lp = F.log_softmax(dec.tail[i](y.index_select(0, rows)), dim=1)
        tail = tail.index_add(0, rows, lp.gather(1, (targets.index_select(0, rows) - cut[i]).unsqueeze(1)).squeeze(1))
    head = F.log_softmax(dec.head(y), dim=1)
    return head.gather(1, head_target.unsqueeze(1)).squeeze(1) + tail
