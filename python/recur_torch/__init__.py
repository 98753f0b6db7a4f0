"""recur_torch: recur's trainer in PyTorch, for GPUs and clusters.

`recur prepare` makes a token store, `python -m recur_torch.train` (or torchrun
with any number of processes) trains on it, and the model it writes is a recur
model file that `recur sample`, `recur score` and `recur eval` read as it is.
See python/README.md.
"""
__version__ = "0.1.0"
