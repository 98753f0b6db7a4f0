# Benchmark-only shim: torch 2.13 in /work/torchvenv needs sympy >= 1.13.3 (absent) to import torch._dynamo,
# which eager training touches only for bookkeeping (optimizer wrappers, init_process_group's cache clear).
# Nothing is compiled, so a module of no-ops stands in for it.
import sys, types


class _NoOp(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name == "disable":
            return lambda fn=None, recursive=True, wrapping=True, **k: fn if fn is not None else (lambda f: f)
        if name == "is_compiling":
            return lambda: False
        return _NoOp(f"{self.__name__}.{name}")

    def __call__(self, *a, **k):
        return None


sys.modules["torch._dynamo"] = _NoOp("torch._dynamo")
