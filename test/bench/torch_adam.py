"""Adam for the PyTorch twins of the benchmarks (torch_bench.py, torch_shakespeare.py).

torch.optim.Adam where it can be built. In a torch 2.x whose environment has an older sympy
(a venv that falls back to Debian's sympy 1.11 while torch asks for >= 1.13), every
torch.optim optimizer fails on construction, because it imports torch._dynamo; there the same
update is applied by HandAdam, written out from torch.optim.Adam's documented algorithm
(betas 0.9, 0.999, eps 1e-8, no weight decay, no amsgrad):

    m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2
    theta <- theta - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
"""
import math

import torch


class HandAdam:
    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8):
        self.params = list(params)
        self.param_groups = [{"lr": lr}]  # as torch.optim's, so a schedule can change the rate
        self.b1, self.b2, self.eps, self.t = betas[0], betas[1], eps, 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self):
        self.t += 1
        lr = self.param_groups[0]["lr"]
        step_size = lr / (1 - self.b1**self.t)
        c2 = math.sqrt(1 - self.b2**self.t)
        for p, m, v in zip(self.params, self.m, self.v):
            if p.grad is None:
                continue
            g = p.grad
            m.mul_(self.b1).add_(g, alpha=1 - self.b1)
            v.mul_(self.b2).addcmul_(g, g, value=1 - self.b2)
            p.addcdiv_(m, (v.sqrt() / c2).add_(self.eps), value=-step_size)


def adam(params, lr):
    """(optimizer, what it is): torch.optim.Adam, or HandAdam where torch.optim cannot be imported."""
    params = list(params)
    try:
        return torch.optim.Adam(params, lr=lr), "torch.optim.Adam"
    except ImportError as e:
        return HandAdam(params, lr), f"HandAdam (torch.optim unavailable: {e})"
