"""The learning-rate schedule and the loss history, as recur's (src/train/schedule.ts, src/model/history.ts).

Schedule: a linear warm-up over the first `warmup` steps, then the rate is
multiplied by `decay` whenever validation has not improved for `patience`
evaluations in a row; after `earlyStop` evaluations without improvement the
run stops. Its state is plain numbers, saved in checkpoints. With `anneal`
(cosine or linear), the rate is also scaled to zero by the fraction of the run done.
"""

import math


def anneal_factor(anneal, p):
    """The factor the anneal puts on the rate when a fraction p of the run is done."""
    q = min(1.0, max(0.0, p))
    if anneal == "cosine":
        return 0.5 * (1 + math.cos(math.pi * q))
    if anneal == "linear":
        return 1 - q
    return 1.0


class LrSchedule:
    def __init__(self, lr, decay, patience, early_stop, warmup, state=None, anneal="none"):
        self.o = {"lr": lr, "decay": decay, "patience": patience, "earlyStop": early_stop, "warmup": warmup, "anneal": anneal}
        self.state = dict(state) if state else {"lr": lr, "sinceBest": 0, "sinceChange": 0, "best": None}

    def rate(self, step, done=0.0):
        """The rate for step `step` (1-based), taken when a fraction `done` of the run is done."""
        w = self.o["warmup"]
        lr = self.state["lr"] * anneal_factor(self.o["anneal"], done)
        return lr * step / w if w > 0 and step < w else lr

    def on_validation(self, loss):
        """Record a validation loss: 'improved', 'decayed', 'stop' or 'waiting'."""
        s = self.state
        if s["best"] is None or loss < s["best"]:
            s.update(best=loss, sinceBest=0, sinceChange=0)
            return "improved"
        s["sinceBest"] += 1
        s["sinceChange"] += 1
        if self.o["earlyStop"] > 0 and s["sinceBest"] >= self.o["earlyStop"]:
            return "stop"
        if self.o["decay"] < 1 and s["sinceChange"] >= self.o["patience"]:
            s["lr"] *= self.o["decay"]
            s["sinceChange"] = 0
            return "decayed"
        return "waiting"


MAX_POINTS = 200


def thin(points, max_points=MAX_POINTS):
    """At most `max_points`, evenly spread, always the first and the last."""
    if len(points) <= max_points:
        return list(points)
    return [points[_round_half_up(i * (len(points) - 1) / (max_points - 1))] for i in range(max_points)]


def _round_half_up(x):
    return int(x + 0.5)


def _precision5(x):
    return float(f"{x:.5g}")


def compact_history(history):
    """The form a model file keeps in its `training` metadata: [step, elapsed seconds, loss] per point."""
    c = lambda p: [p["step"], round(p["elapsedMs"] / 1000, 2), _precision5(p["loss"])]
    return {"train": [c(p) for p in thin(history["train"])], "val": [c(p) for p in thin(history["val"])]}
