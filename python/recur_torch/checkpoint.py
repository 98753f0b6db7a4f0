"""The PyTorch trainer's own checkpoints (format recur-torch-ckpt/1), for --resume.

A safetensors file (so it is read with numpy, before torch is imported, and a
damaged one fails with one line) holding everything a run needs to go on with
the same numbers as the run that never stopped:

  tensors   params.<state_dict name>      the weights
            optimizer.<i>.<key>           the optimizer's per-parameter state (Adam's exp_avg, exp_avg_sq; …)
            best.<state_dict name>        the parameters with the best validation loss (when there is one)
            carry.h, carry.c              the state carried into the next window, (L, B, H) for the whole batch
  metadata  format, config, vocab         as in a model file (config and vocabulary of the weights)
            options                       the run's resolved options, in recur train's parts
            store                         the token store trained on: its path and identity (SHA-256 of its manifest)
            files                         where the run writes its model and checkpoints
            state                         B, T, windowsPerEpoch, the counters, the position (epoch, window,
                                          epochRng), the Rng, the schedule, the optimizer's name and step
                                          counts, the best validation loss and step, the loss history

Non-finite numbers are written as the strings "NaN", "Infinity", "-Infinity", as recur does.
"""
import json
import math

from .errors import format_error
from .safetensors import read_safetensors, write_safetensors

CHECKPOINT_FORMAT = "recur-torch-ckpt/1"


def _plain(x):
    """JSON-safe: non-finite floats as strings."""
    if isinstance(x, float) and not math.isfinite(x):
        return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


def _number(x):
    return float(x) if x in ("NaN", "Infinity", "-Infinity") else x


def _restore_numbers(x):
    if isinstance(x, dict):
        return {k: _restore_numbers(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_restore_numbers(v) for v in x]
    return _number(x)


def save_checkpoint(path, tensors, meta):
    """tensors: (name, float32 ndarray) pairs; meta: the metadata values (JSON-encoded here)."""
    metadata = {"format": CHECKPOINT_FORMAT}
    for k, v in meta.items():
        metadata[k] = json.dumps(_plain(v), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    write_safetensors(path, tensors, metadata)


def load_checkpoint(path):
    """(tensors, meta) of a checkpoint this trainer wrote; one-line errors for anything else."""
    tensors, metadata = read_safetensors(path)
    fmt = metadata.get("format")
    if fmt == "recur-lm/1":
        raise format_error(f"{path} is a model, not a checkpoint; to train on from its weights use --init {path}")
    if fmt is not None and fmt.startswith("recur-ckpt/"):
        raise format_error(f"{path} is a checkpoint of recur train, not of recur_torch; continue it with recur train --resume {path}, or start from its model with --init")
    if fmt != CHECKPOINT_FORMAT:
        shown = "none" if fmt is None else json.dumps(fmt)
        raise format_error(f"{path} has format {shown}, which this recur_torch does not read as a checkpoint (it reads {CHECKPOINT_FORMAT}); upgrade recur")
    try:
        meta = {k: _restore_numbers(json.loads(v)) for k, v in metadata.items() if k != "format"}
    except ValueError:
        raise format_error(f"{path}: its metadata is not valid JSON; the checkpoint is damaged") from None
    for k in ("config", "vocab", "options", "store", "state"):
        if k not in meta:
            raise format_error(f'{path}: metadata lacks "{k}"; the checkpoint is damaged')
    return tensors, meta
