"""The training loop on this process (recur's src/train/trainer.ts, with PyTorch and DistributedDataParallel).

Windows of B streams × T steps (this process's B / world of them), truncated
BPTT with the state carried between windows, the mean cross-entropy over the
window's predicted tokens, clipping, one optimizer step per window; validation
every `evalEvery` steps (or once per epoch) and at the end, keeping the
parameters with the best validation loss; the learning-rate schedule and early
stopping; a loss that is not finite or above divergeFactor × the first one
stops the run, keeping the last good state. Stops at a limit (epochs, steps,
time), on early stopping, or on SIGINT/SIGTERM after the current step.

Under torchrun, what every process must agree on is agreed explicitly: the
loss is averaged over the processes (all of them then decide divergence the
same way), rank 0's validation loss is broadcast (all of them then run the
same schedule), and rank 0's clock decides time limits and timed checkpoints
(one small all-reduce per step, with any process's signal).
"""
import hashlib
import math
import os
import signal
import sys
import time

import numpy as np

from . import state as run_state
from .alea import Rng
from .batches import BatchStream
from .errors import EXIT, RecurTorchError
from .evaluate import mean_loss, plan_chunks, validation_part
from .schedule import LrSchedule


class Output:
    """What rank 0 prints: plain lines on stderr, or one JSON object per event on stdout (--json); nothing with -q."""

    def __init__(self, active, quiet, json_mode):
        self.active, self.quiet, self.json_mode = active, quiet, json_mode

    def event(self, e):
        if self.active and self.json_mode:
            import json

            sys.stdout.write(json.dumps(e, allow_nan=False, separators=(",", ":")) + "\n")
            sys.stdout.flush()

    def line(self, text):
        if self.active and not self.quiet and not self.json_mode:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()

    def warning(self, message):
        self.event({"type": "warning", "message": message})
        self.line(f"recur_torch: warning: {message}")


class Diverged(RecurTorchError):
    """The run diverged; `lines` say where the last good checkpoint and the model are."""

    def __init__(self, message, lines):
        super().__init__("numeric", message)
        self.lines = lines


class Trainer:
    def __init__(self, p):
        import torch
        import torch.distributed as dist

        self.p, self.o, self.torch, self.dist = p, p.options, torch, dist
        self.out = Output(p.rank == 0, p.quiet, p.json)
        self._start_processes()
        self._build_model()
        s = self.o["schedule"]
        ck_state = p.ck["state"] if p.ck else None
        self.schedule = LrSchedule(self.o["optimizer"]["lr"], s["lrDecay"], s["patience"], s["earlyStop"], s["warmup"], ck_state["schedule"] if ck_state else None, s["anneal"])
        # running text: the sequences in order, the state carried across them; validation chunks cut anywhere and warmed up
        one_text = p.config["split"] == "none" or p.config.get("running_text", False)
        self.batches = BatchStream(p.store.train, p.B, p.T, not one_text)
        self.val = p.store.val
        self.chunks = None
        if self.val is not None and p.rank == 0:
            self.val = validation_part(self.val, self.o["events"]["valTokens"], not one_text, p.rules["valPieces"])
            self.chunks = plan_chunks(self.val, p.rules["evalStreams"], 2 * p.T if one_text else -1)
        self.counters = {"step": 0, "tokens": 0, "firstLoss": math.nan, "lastLoss": math.nan, "intervalLoss": 0.0, "intervalSteps": 0, "elapsedMs": 0.0}
        self.history = {"train": [], "val": []}
        self.best = None
        self.stop_early = False
        self.signal = None
        self.done = 0.0  # the fraction of the run done, for --anneal
        self.last_saved_step = None
        self.origin = {"init": p.init is not None or bool(ck_state and ck_state.get("init"))}
        if ck_state:
            run_state.restore(self, ck_state, p.ck_tensors)
        else:
            # with --init nothing is drawn from the Rng before the first shuffle, as in recur
            self.rng = Rng(self.o["runtime"]["seed"])
            self.batches.begin_epoch(self.rng)
            self.carry = self.model.zero_state(p.Bc, self.device)
        self.origin.update(step=self.counters["step"], tokens=self.counters["tokens"], elapsedMs=self.counters["elapsedMs"])
        self.started = time.perf_counter() - self.counters["elapsedMs"] / 1000

    def _start_processes(self):
        """The device (this process's GPU, else the CPU) and, under torchrun, the process group (nccl or gloo)."""
        import datetime

        torch, p = self.torch, self.p
        if p.threads:
            torch.set_num_threads(p.threads)
        cuda = torch.cuda.is_available()
        if cuda:
            torch.cuda.set_device(p.local_rank)
        self.device = torch.device("cuda", p.local_rank) if cuda else torch.device("cpu")
        self.distributed = p.world > 1
        self.own_group = False
        if self.distributed and not self.dist.is_initialized():
            # only rank 0 validates and the others wait for it: allow a long validation pass
            self.dist.init_process_group("nccl" if cuda else "gloo", timeout=datetime.timedelta(hours=2))
            self.own_group = True

    def _build_model(self):
        """The module (initial weights: the checkpoint's, the --init model's, or PyTorch's from the seed), DDP, the optimizer."""
        from .model import RecurLM

        torch, p = self.torch, self.p
        torch.manual_seed(self.o["runtime"]["seed"])
        model = RecurLM(p.config, p.V, dropout=self.o["model"]["dropout"], locked=self.o["model"]["lockedDropout"], weight_drop=self.o["model"]["weightDrop"], embed_drop=self.o["model"]["embedDrop"])
        if p.ck is not None:
            model.load_state_dict({n[7:]: torch.from_numpy(a) for n, a in p.ck_tensors.items() if n.startswith("params.")}, strict=True)
        elif p.init is not None:
            model.load_state_dict({n: torch.from_numpy(a) for n, a in p.init[1].items()}, strict=True)
        self.model = model.to(self.device)
        self.params = list(self.model.parameters())
        if self.distributed:
            from torch.nn.parallel import DistributedDataParallel

            ids = [p.local_rank] if self.device.type == "cuda" else None
            self.net = DistributedDataParallel(self.model, device_ids=ids, broadcast_buffers=False)
        else:
            self.net = self.model
        o = self.o["optimizer"]
        name, lr, wd = o["optimizer"], o["lr"], o["weightDecay"]
        if name == "sgd":
            self.opt = torch.optim.SGD(self.params, lr=lr, weight_decay=wd)
        elif name == "adam":
            self.opt = torch.optim.Adam(self.params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=wd)
        elif name == "adagrad":
            self.opt = torch.optim.Adagrad(self.params, lr=lr, eps=1e-10, weight_decay=wd)
        else:
            self.opt = torch.optim.RMSprop(self.params, lr=lr, alpha=0.99, eps=1e-8, weight_decay=wd)

    def elapsed_ms(self):
        return (time.perf_counter() - self.started) * 1000

    def epochs(self):
        b = self.batches
        return b.epoch + b.window / b.windows_per_epoch

    # -- the run ------------------------------------------------------------------------------------

    def run(self):
        """Train to the end; returns the exit code (130 or 143 after a signal, once the files are written)."""
        self._announce()
        old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

        def on_signal(signum, _frame):
            # a second signal stops at once (files are replaced atomically: the last ones on disk stay whole)
            if self.signal is not None:
                os._exit(EXIT["sigint"] if signum == signal.SIGINT else EXIT["sigterm"])
            self.signal = signum

        for s in old:
            signal.signal(s, on_signal)
        try:
            return self.finish(self.loop())
        finally:
            for s, h in old.items():
                signal.signal(s, h)
            if self.own_group:
                # every process leaves together, once rank 0 has written its files
                self.dist.barrier()
                self.dist.destroy_process_group()

    def _announce(self):
        p, out, torch = self.p, self.out, self.torch
        for w in p.warnings:
            out.warning(w)
        n = sum(t.numel() for t in self.model.state_dict().values())
        val_tokens = p.store.val.tokens if p.store.val else 0
        out.event({
            "type": "prepared", "vocabSize": p.V, "trainTokens": p.store.train.tokens, "valTokens": val_tokens,
            "valScored": self.val.tokens if self.val is not None and p.rank == 0 else 0, "evalEvery": self.eval_every(), "parameters": n,
            "batch": p.B, "seqLen": p.T, "windowsPerEpoch": self.batches.windows_per_epoch, "threads": torch.get_num_threads(),
            "processes": p.world, "device": self.device.type, "torch": torch.__version__,
        })
        where = "CUDA (nccl)" if self.device.type == "cuda" else "the CPU" + (" (gloo)" if p.world > 1 else "")
        out.line(f"{p.store.path}: {p.store.train.tokens} training tokens in {p.store.train.sequences} sequences, {val_tokens} validation tokens, vocabulary {p.V}")
        out.line(f"model: {n} parameters; batch {p.B}×{p.T}, {self.batches.windows_per_epoch} steps per epoch; {p.world} process{'es' if p.world > 1 else ''} on {where}, torch {torch.__version__}")
        if p.ck is not None:
            out.line(f"resuming {p.resume_path} at step {self.counters['step']}; checkpoints go to {p.ckpt_path}")

    def eval_every(self):
        """Steps between validations: as asked, else once per epoch, or every evalSteps when an epoch is longer."""
        every = self.o["events"]["evalEvery"]
        return every if every > 0 else min(self.batches.windows_per_epoch, self.p.rules["evalSteps"])

    def loop(self):
        """Steps until a limit, early stopping or a signal; validates and writes checkpoints on their cadence."""
        c, ev, lim = self.counters, self.o["events"], self.o["limits"]
        wpe = self.batches.windows_per_epoch
        eval_every = self.eval_every()
        max_steps = lim["steps"] if lim["steps"] is not None else math.ceil(lim["epochs"] * wpe) if lim["epochs"] is not None else math.inf
        self.last_progress = self.elapsed_ms()
        if self.p.ck is None:
            self.save()  # a new run saves its starting point, so there is always a checkpoint to go back to
        last_save = self.elapsed_ms()
        while True:
            if c["step"] >= max_steps:
                return "steps" if lim["steps"] is not None else "epochs"
            now = self.elapsed_ms()
            time_up, aborted, save_due, time_done = self.agree(
                lim["time"] is not None and now >= lim["time"] * 1000,
                self.signal is not None,
                ev["checkpointInterval"] > 0 and now - last_save >= ev["checkpointInterval"] * 1000,
                now / (lim["time"] * 1000) if lim["time"] is not None else 0.0,
            )
            self.done = max(c["step"] / max_steps, time_done)
            if time_up:
                return "time"
            if aborted:
                return "aborted"
            if save_due:
                self.save()
                last_save = self.elapsed_ms()
            self.step()
            if c["step"] % eval_every == 0:
                self.validate()
            if self.stop_early:
                return "early-stop"
            if ev["checkpointEvery"] > 0 and c["step"] % ev["checkpointEvery"] == 0:
                self.save()
                last_save = self.elapsed_ms()

    def agree(self, time_up, signalled, save_due, time_done):
        """Rank 0's clock (and the fraction of --time it has used) and any process's signal, the same on every process (one small all-reduce)."""
        if not self.distributed:
            return time_up, signalled, save_due, time_done
        zero = self.p.rank == 0
        mine = [time_up and zero, signalled, save_due and zero, time_done if zero else 0.0]
        t = self.torch.tensor([float(x) for x in mine], dtype=self.torch.float64, device=self.device)
        self.dist.all_reduce(t, op=self.dist.ReduceOp.MAX)
        v = t.tolist()
        return bool(v[0]), bool(v[1]), bool(v[2]), v[3]

    def step(self):
        """One window: forward, loss, backward (DDP averages the gradients), clipping, the update; raises Diverged."""
        torch, p, o, c = self.torch, self.p, self.o, self.counters
        pre = (self.batches.snapshot(), self.rng.state(), self.carry)
        if self.batches.next_epoch_if_done(self.rng):
            self.carry = self.model.zero_state(p.Bc, self.device)
        t0 = time.perf_counter()
        ids = self.batches.window_ids(p.b0, p.Bc)  # (Bc, T + 1)
        self.batches.advance()
        inputs = torch.from_numpy(np.ascontiguousarray(ids[:, :-1].T)).to(self.device)
        targets = torch.from_numpy(np.ascontiguousarray(ids[:, 1:].T)).to(self.device)
        self.model.train()
        logp, carry = self.net(inputs, targets, self.carry, resets_inside=bool((ids[:, 1:-1] == 0).any()), generator=self.dropout_generator(c["step"]))
        loss_here = -logp.mean()
        self.opt.zero_grad(set_to_none=True)
        loss_here.backward()
        self.carry = tuple(s.detach() for s in carry)
        loss = self.mean_over_processes(loss_here.detach())
        norm = self.clip()
        if c["step"] == 0:
            c["firstLoss"] = loss
        exploded = loss > p.rules["divergeFactor"] * c["firstLoss"]
        if not math.isfinite(loss) or not math.isfinite(norm) or exploded:
            self.diverged(loss, exploded, pre)
        if o["optimizer"]["clipValue"] > 0:
            torch.nn.utils.clip_grad_value_(self.params, o["optimizer"]["clipValue"])
        lr = self.schedule.rate(c["step"] + 1, self.done)
        for g in self.opt.param_groups:
            g["lr"] = lr
        self.opt.step()
        c["step"] += 1
        c["tokens"] += p.B * p.T
        c["lastLoss"] = loss
        c["intervalLoss"] += loss
        c["intervalSteps"] += 1
        if c["intervalSteps"] == p.rules["historyEvery"]:
            self.close_interval()
        rate = p.B * p.T / max(time.perf_counter() - t0, 1e-9)
        self.out.event({"type": "step", "step": c["step"], "epoch": self.epochs(), "loss": loss, "gradNorm": norm, "lr": lr, "tokensPerSec": rate, "elapsedMs": self.elapsed_ms()})
        if self.elapsed_ms() - self.last_progress >= 10_000:
            self.last_progress = self.elapsed_ms()
            self.out.line(f"step {c['step']}  epoch {self.epochs():.2f}  loss {loss:.4f}  {rate:.0f} tok/s  {self.elapsed_ms() / 1000:.0f}s")

    def dropout_generator(self, step):
        """Dropout masks of every kind from a generator seeded by (seed, rank, step): a run and its resumed continuation draw the same."""
        if all(self.o["model"][k] <= 0 for k in ("dropout", "weightDrop", "embedDrop")):
            return None
        key = hashlib.blake2b(f"{self.o['runtime']['seed']}/{self.p.rank}/{step}".encode(), digest_size=8).digest()
        g = self.torch.Generator(device=self.device)
        g.manual_seed(int.from_bytes(key, "little") >> 1)
        return g

    def mean_over_processes(self, loss):
        if self.distributed:
            self.dist.all_reduce(loss)
            loss = loss / self.p.world
        return float(loss.item())

    def clip(self):
        """The gradients' global norm before clipping; scaled down to --clip when above it (clip_grad_norm_)."""
        torch, clip = self.torch, self.o["optimizer"]["clip"]
        if clip > 0:
            return float(torch.nn.utils.clip_grad_norm_(self.params, clip))
        grads = [q.grad for q in self.params if q.grad is not None]
        return float(torch.norm(torch.stack([torch.norm(g) for g in grads]))) if grads else 0.0

    def close_interval(self):
        """The mean training loss of the steps since the last history point becomes a point."""
        c = self.counters
        self.history["train"].append({"step": c["step"], "epoch": self.epochs(), "elapsedMs": self.elapsed_ms(), "loss": c["intervalLoss"] / c["intervalSteps"]})
        c["intervalLoss"], c["intervalSteps"] = 0.0, 0

    def validate(self):
        """Score the validation part (rank 0; the loss is broadcast); keep the best parameters; let the schedule react."""
        if self.val is None:
            return
        loss = mean_loss(self.model, self.val, self.chunks, self.p.T, self.device) if self.p.rank == 0 else 0.0
        if self.distributed:
            t = self.torch.tensor([loss], dtype=self.torch.float64, device=self.device)
            self.dist.broadcast(t, 0)
            loss = float(t.item())
        step, elapsed, epoch = self.counters["step"], self.elapsed_ms(), self.epochs()
        is_best = self.best is None or loss < self.best["valLoss"]
        if is_best:
            params = {n: t.detach().cpu().numpy().copy() for n, t in self.model.state_dict().items()} if self.p.rank == 0 else None
            self.best = {"params": params, "valLoss": loss, "step": step}
        self.history["val"].append({"step": step, "epoch": epoch, "elapsedMs": elapsed, "loss": loss})
        self.out.event({"type": "eval", "step": step, "epoch": epoch, "valLoss": loss, "best": is_best, "elapsedMs": elapsed})
        self.out.line(f"step {step}  epoch {epoch:.2f}  val_loss {loss:.4f}{' (best)' if is_best else ''}  {elapsed / 1000:.1f}s")
        what = self.schedule.on_validation(loss)
        if what == "decayed":
            self.out.event({"type": "lr", "step": step, "lr": self.schedule.state["lr"]})
            self.out.line(f"validation stopped improving: learning rate now {self.schedule.state['lr']:.5f} (step {step})")
        elif what == "stop":
            self.stop_early = True

    # -- ends -----------------------------------------------------------------------------------------

    def save(self, snap=None):
        """Write a checkpoint (every process takes part: the carried state is gathered)."""
        run_state.write_checkpoint(self, run_state.snapshot(self) if snap is None else snap)
        self.last_saved_step = self.counters["step"]

    def diverged(self, loss, exploded, pre):
        c, o = self.counters, self.o["optimizer"]
        what = f"the loss exploded ({loss:.3g}, from {c['firstLoss']:.3f} at the start)" if exploded else f"the {'gradient' if math.isfinite(loss) else 'loss'} is not finite"
        hint = f"a smaller --clip (now {o['clip']:g})" if o["clip"] > 0 else "turn on --clip (e.g. 5)"
        message = f"training diverged at step {c['step'] + 1}: {what}; try a lower --lr (now {o['lr']:g}) or {hint}"
        # the parameters and moments are still those after the last good step (the update was not applied)
        snap = run_state.snapshot(self, pre)
        # rank 0 holds the state and decides (agree takes the first flag from rank 0 only)
        finite = self.agree(snap is not None and all(np.isfinite(a).all() for _, a in snap[0]), False, False)[0]
        if finite:
            run_state.write_checkpoint(self, snap)
            self.last_saved_step = c["step"]
        lines = [f"the last good checkpoint (step {self.last_saved_step}) is in {self.p.ckpt_path}"] if self.last_saved_step is not None else []
        run_state.write_result(self, "steps")
        what_model = f"the best model before that (validation loss {self.best['valLoss']:.4f})" if self.best else "the model before that"
        raise Diverged(message, lines + [f"{what_model} is in {self.p.output}"])

    def finish(self, stop):
        """The state to continue from (before the closing validation), the closing validation, the checkpoint and the model."""
        c, p, out = self.counters, self.p, self.out
        snap = run_state.snapshot(self)
        if c["intervalSteps"] > 0:
            self.close_interval()
        eval_every = self.eval_every()
        # skipped when interrupted: a signal should not wait for a pass over a large validation set
        if c["step"] > 0 and c["step"] % eval_every != 0 and stop != "aborted":
            self.validate()
        run_state.write_checkpoint(self, snap)
        info = run_state.write_result(self, stop)
        best = self.best["valLoss"] if self.best else None
        out.event({"type": "done", "output": p.output, "checkpoint": p.ckpt_path, "steps": c["step"], "epochs": self.epochs(), "elapsed_s": self.elapsed_ms() / 1000,
                   "tokens_per_s": info["tokens_per_s"], "train_loss": c["lastLoss"], "val_loss": best, "stop": stop})
        best_text = f", best validation loss {best:.4f} (perplexity {math.exp(best):.2f}, step {self.best['step']})" if self.best else ""
        out.line(f"✔ {c['step']} steps, {self.epochs():.2f} epochs in {self.elapsed_ms() / 1000:.0f}s ({info['tokens_per_s']} tokens/s); train loss {c['lastLoss']:.4f}{best_text}")
        out.line(f"  model written to {p.output}\n  checkpoint written to {p.ckpt_path}")
        if self.signal is None:
            return EXIT["ok"]
        if p.rank == 0 and not p.quiet:
            sys.stderr.write(f"recur_torch: interrupted at step {c['step']}; checkpoint written to {p.ckpt_path} (continue with: python -m recur_torch.train --resume {p.ckpt_path})\n")
            sys.stderr.write(f"recur_torch: the best model so far is in {p.output}\n")
        return EXIT["sigint"] if self.signal == signal.SIGINT else EXIT["sigterm"]
