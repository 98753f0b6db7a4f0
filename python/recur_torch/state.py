"""A run's state in and out of files: checkpoints (snapshot, restore) and the model file's `training` metadata.

What makes a resumed run continue exactly (as recur's TrainState):
  - the parameters, the optimizer's per-parameter state and step counts;
  - the data position: epoch and window, and the Rng state the epoch's order was drawn from;
  - the Rng state now (the next epochs' orders);
  - the state carried into the next window, for the whole batch (gathered from every process);
  - the schedule, the best parameters and their validation loss, the history and counters.
Dropout masks come from generators seeded by (seed, rank, step), so they need no state.
"""
import datetime
import math
import os

import numpy as np

from .alea import Rng
from .checkpoint import save_checkpoint
from .errors import input_error
from .model_file import write_model
from .options import library_options
from .schedule import compact_history


def gather_carry(tr, carry):
    """The carried state of the whole batch, (L, B, H) each, from every process (a collective)."""
    if not tr.distributed:
        return [s.detach().cpu().numpy() for s in carry]
    out = []
    for s in carry:
        parts = [tr.torch.empty_like(s) for _ in range(tr.p.world)]
        tr.dist.all_gather(parts, s.contiguous())
        out.append(tr.torch.cat(parts, dim=1).cpu().numpy())
    return out


def snapshot(tr, pre=None):
    """
    The run's state between steps as (tensors, metadata) on rank 0, None on the
    others (every process must call it: the carried state is gathered). With
    `pre` (position, Rng state, carry): the state before the step under way.
    """
    position, rng, carry = pre if pre else (tr.batches.snapshot(), tr.rng.state(), tr.carry)
    carry = gather_carry(tr, carry)
    if tr.p.rank != 0:
        return None
    tensors = [(f"params.{n}", t.detach().cpu().numpy()) for n, t in tr.model.state_dict().items()]
    steps = {}
    for i, st in tr.opt.state_dict()["state"].items():
        for k, v in st.items():
            if k == "step":
                steps[str(i)] = float(v)
            elif v is not None and hasattr(v, "shape"):
                tensors.append((f"optimizer.{i}.{k}", v.detach().cpu().numpy()))
    tensors += [("carry.h", carry[0])] + ([("carry.c", carry[1])] if len(carry) > 1 else [])
    if tr.best is not None:
        tensors += [(f"best.{n}", a) for n, a in tr.best["params"].items()]
    p = tr.p
    state = {
        "B": p.B, "T": p.T, "windowsPerEpoch": tr.batches.windows_per_epoch, **tr.counters, "elapsedMs": tr.elapsed_ms(),
        **position, "rng": rng, "schedule": dict(tr.schedule.state),
        "optimizer": {"name": tr.o["optimizer"]["optimizer"], "steps": steps},
        "best": {"valLoss": tr.best["valLoss"], "step": tr.best["step"]} if tr.best else None,
        "history": {"train": list(tr.history["train"]), "val": list(tr.history["val"])},
        "init": tr.origin["init"],
        "world": p.world,
    }
    meta = {
        "config": p.config, "vocab": p.store.vocab, "options": library_options(tr.o),
        "store": {"path": p.store.path, "identity": p.store.identity},
        "files": {"output": p.output, "checkpoint": p.ckpt_path},
        "state": state,
    }
    return tensors, meta


def write_checkpoint(tr, snap):
    if tr.p.rank == 0:
        save_checkpoint(tr.p.ckpt_path, *snap)


def restore(tr, s, tensors):
    """Continue from a checkpoint's state `s` and `tensors` (the parameters are loaded with the model)."""
    torch, p = tr.torch, tr.p
    for k in tr.counters:
        tr.counters[k] = s[k]
    tr.rng = Rng.restore(s["rng"])
    tr.batches.restore({"epoch": s["epoch"], "window": s["window"], "epochRng": s["epochRng"]}, Rng)
    tr.history = {"train": list(s["history"]["train"]), "val": list(s["history"]["val"])}
    if s["best"] is not None:
        params = {n[5:]: a for n, a in tensors.items() if n.startswith("best.")} if p.rank == 0 else None
        tr.best = {"params": params, "valLoss": s["best"]["valLoss"], "step": s["best"]["step"]}
    rows = slice(p.b0, p.b0 + p.Bc)
    carry = [tensors["carry.h"][:, rows]] + ([tensors["carry.c"][:, rows]] if p.config["cell"] == "lstm" else [])
    tr.carry = tuple(torch.from_numpy(np.ascontiguousarray(a)).to(tr.device) for a in carry)
    saved = s["optimizer"]
    if saved["name"] != tr.o["optimizer"]["optimizer"]:
        raise input_error(f"the checkpoint was trained with the {saved['name']} optimizer, not {tr.o['optimizer']['optimizer']}")
    state = {}
    for i in range(len(tr.params)):
        prefix = f"optimizer.{i}."
        entry = {k[len(prefix):]: torch.from_numpy(a) for k, a in tensors.items() if k.startswith(prefix)}
        if str(i) in saved["steps"]:
            entry["step"] = torch.tensor(float(saved["steps"][str(i)]))
        if entry:
            state[i] = entry
    tr.opt.load_state_dict({"state": state, "param_groups": tr.opt.state_dict()["param_groups"]})


def training_info(tr, stop):
    """What the model file keeps about how it was trained (recur's `training` metadata: `recur info` and `recur report` read it)."""
    p, c = tr.p, tr.counters
    ms = tr.elapsed_ms()
    ran = c["tokens"] - tr.origin["tokens"]
    r4 = lambda x: round(x, 4) if x is not None and math.isfinite(x) else None
    return {
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "steps": c["step"],
        "epochs": round(tr.epochs(), 3),
        "elapsed_s": round(ms / 1000, 1),
        "tokens_per_s": round(ran / max(1e-9, (ms - tr.origin["elapsedMs"]) / 1000)),
        "train_loss": r4(c["lastLoss"]),
        "val_loss": r4(tr.best["valLoss"]) if tr.best else None,
        "best_step": tr.best["step"] if tr.best else None,
        "stop": stop,
        "train_tokens": p.store.train.tokens,
        "val_tokens": tr.val.tokens if tr.val else 0,
        "batch": p.B,
        "seq_len": p.T,
        **({"init": True} if tr.origin["init"] else {}),
        **({"resumed_at": tr.origin["step"]} if tr.origin["step"] > 0 else {}),
        "options": library_options(tr.o),
        "corpus": [os.path.basename(p.store.path)],
        "trainer": {"name": "recur_torch", "torch": tr.torch.__version__, "processes": p.world, "device": tr.device.type},
        "history": compact_history(tr.history),
    }


def write_result(tr, stop):
    """The model file (rank 0): the best parameters (the last without validation data); returns its training metadata."""
    info = training_info(tr, stop)
    if tr.p.rank == 0:
        if tr.best is not None:
            state = dict(tr.best["params"])
        else:
            state = {n: t.detach().cpu().numpy() for n, t in tr.model.state_dict().items()}
        if tr.p.config["tie"]:
            state["decoder.weight"] = state["embedding.weight"]
        write_model(tr.p.output, tr.p.config, tr.p.store.vocab, state, _json_safe(info))
    return info


def _json_safe(x):
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_json_safe(v) for v in x]
    return x
