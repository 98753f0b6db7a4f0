"""Train a recur language model with PyTorch, on one process or many (torchrun, DistributedDataParallel).

    python -m recur_torch.train NAME.recur -o model.safetensors [options]
    torchrun --nproc_per_node=N [--nnodes=M --rdzv_backend=c10d --rdzv_endpoint=HOST:PORT] \\
        -m recur_torch.train NAME.recur -o model.safetensors [options]

The same run as `recur train` on the same text (src/train/trainer.ts): the same
windows of B streams × T steps from the store (the epoch's order drawn with
recur's Rng), the state carried between windows and reset at <eos>, the mean
cross-entropy over the window's B·T predicted tokens, clipping, PyTorch's
optimizers (recur's follow PyTorch's rules), the learning-rate schedule,
validation on its cadence with the best parameters kept, early stopping and the
divergence rule; with recur train's option names and defaults, read from the
table recur exports (train_options.json).

Under torchrun each process takes B / world streams of every window;
DistributedDataParallel averages the gradients (the mean over the whole batch,
as one process computes it); only rank 0 validates, prints and writes files.
CUDA with NCCL when there is a GPU, else the CPU with gloo.

It writes the model in recur's format (`recur sample/score/eval` read it as it
is) and its own checkpoints (--resume); --init starts from a recur model.
plan.py checks everything that can be checked before torch is imported.
"""
import os
import sys
import time

from .errors import RecurTorchError
from .plan import plan_run

# Under torchrun, the first process to exit with an error makes torchrun stop the others at
# once. Were that a process other than rank 0 (which starts late on a busy machine), rank 0
# would be stopped before it says why; so the others wait this long for it (torchrun stops
# them when rank 0 exits).
QUIET_RANK_WAIT_S = 10.0

PROG = "python -m recur_torch.train"
DESCRIPTION = "Train a recur language model on a token store with PyTorch (one process, or many under torchrun)."
EPILOG = """examples:
  python -m recur_torch.train shakespeare.recur -o shakespeare.safetensors --hidden 512 --epochs 20
  torchrun --nproc_per_node=4 -m recur_torch.train big.recur -o big.safetensors --batch 128 --layers 3 --hidden 1024
  python -m recur_torch.train --resume big.safetensors.ckpt

The data options (--level, --split, --tokenize, --lowercase, --max-vocab, --min-count,
--val-frac) are the store's: they may be given only with the values it was prepared with.
--threads sets torch's threads per process; --kernels and --samples are recur's own and are
ignored; --val, --replace-invalid and --report are refused (they belong to recur prepare and
recur report).

exit codes: 0 success, 1 failure (unreadable or invalid file, diverged run),
2 usage error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM)."""


def main(argv=None, env=None):
    """Run the trainer; returns the exit code (0, 1, 2, 130 or 143). Errors are one line on stderr, from rank 0."""
    env = os.environ if env is None else env
    rank = int(env.get("RANK", "0"))
    try:
        p = plan_run(sys.argv[1:] if argv is None else argv, env, PROG, DESCRIPTION, EPILOG)
        from .trainer import Trainer  # imports torch

        return Trainer(p).run()
    except RecurTorchError as e:
        # every process meets the same error: one of them says so
        if rank == 0:
            for line in [str(e), *getattr(e, "lines", [])]:
                sys.stderr.write(f"recur_torch: {line}\n")
            sys.stderr.flush()
        elif int(env.get("WORLD_SIZE", "1")) > 1:
            time.sleep(QUIET_RANK_WAIT_S)
        return e.exit_code


if __name__ == "__main__":
    sys.exit(main())
