"""recur train's options, read from the table recur exports (train_options.json).

The file is written by `node scripts/export-options.mjs` from src/train/options.ts
(a test keeps it in sync), so the names, types, ranges, defaults, help and
resume rules of this trainer's flags are recur train's, never copied by hand:
a field `seqLen` is the flag `--seq-len`, checked and defaulted as recur does.
Its "rules" are the trainer's fixed numbers that are not options (history
cadence, validation chunks, divergence factor, default limit and output layer).
"""
import argparse
import json
import math
import os
import re

from .errors import usage_error

TABLE_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "train_options.json")

#: the parts of the table that are the library's options (the others are the command line's: files, printing)
LIBRARY_PARTS = ("data", "model", "optimizer", "schedule", "limits", "runtime", "events")


def load_table(path=TABLE_PATH):
    with open(path, encoding="utf-8") as f:
        table = json.load(f)
    if table.get("format") != "recur-options/1" or table.get("command") != "train":
        raise RuntimeError(f"{path} is not recur train's option table (recur-options/1)")
    return table


def flag_of(name):
    """seqLen → --seq-len"""
    return "--" + re.sub(r"[A-Z]", lambda m: "-" + m.group(0).lower(), name)


def _describe(v):
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return ",".join(str(x) for x in v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def parse_duration(text):
    """90, 90s, 10m, 1.5h, 2d → seconds (a bare number is seconds), as recur's --time."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)?", text.strip())
    if not m:
        raise ValueError("must be a duration such as 90s, 10m or 2h")
    return float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2) or "s"]


def _parse_int(text):
    if not re.fullmatch(r"[+-]?\d+", text.strip()):
        raise ValueError("must be an integer")
    return int(text)


def _parse_number(text):
    try:
        x = float(text)
    except ValueError:
        raise ValueError("must be a number") from None
    if text.strip() == "" or not math.isfinite(x):
        raise ValueError("must be a number")
    return x


def _parse_list(text):
    xs = [x.strip() for x in text.split(",")]
    if not all(re.fullmatch(r"\d+", x) for x in xs):
        raise ValueError("must be integers separated by commas, e.g. 2000,10000")
    return [int(x) for x in xs]


_PARSERS = {"int": _parse_int, "number": _parse_number, "duration": parse_duration, "intList": _parse_list, "choice": lambda v: v.lower()}


def _range_text(s):
    lo, hi = s.get("min"), s.get("max")
    if lo is not None and hi is not None and not s.get("minOpen") and not s.get("maxOpen"):
        return f"from {_describe(lo)} to {_describe(hi)}"
    a = f"{'>' if s.get('minOpen') else '≥'} {_describe(lo)}" if lo is not None else ""
    b = f"{'<' if s.get('maxOpen') else '≤'} {_describe(hi)}" if hi is not None else ""
    return f"{a} and {b}" if a and b else a or b


def check_value(field, v):
    """A given value checked against its field (recur's checkValue); returns it normalised."""
    name, s, t = field["name"], field, field["type"]

    def bad(what):
        raise usage_error(f"{flag_of(name)} must be {what} (got {_describe(v)})")

    def in_range(x):
        lo, hi = s.get("min"), s.get("max")
        ok_lo = lo is None or (x > lo if s.get("minOpen") else x >= lo)
        ok_hi = hi is None or (x < hi if s.get("maxOpen") else x <= hi)
        return ok_lo and ok_hi

    ranged = " " + _range_text(s) if s.get("min") is not None or s.get("max") is not None else ""
    if t == "int":
        if isinstance(v, bool) or not isinstance(v, int) or abs(v) > 2**53 - 1 or not in_range(v):
            bad("an integer" + ranged)
        return v
    if t in ("number", "duration"):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not in_range(v):
            bad("a number" + ranged)
        return v
    if t == "boolean":
        if not isinstance(v, bool):
            bad("true or false")
        return v
    if t == "choice":
        low = v.lower() if isinstance(v, str) else v
        if low not in s["choices"]:
            bad("one of " + ", ".join(s["choices"]))
        return low
    if t == "intList":
        if not isinstance(v, list) or not v or not all(isinstance(x, int) and x > 0 and (i == 0 or x > v[i - 1]) for i, x in enumerate(v)):
            bad("increasing positive integers, e.g. 2000,10000")
        return list(v)
    if not isinstance(v, str) or (t == "path" and not v):
        bad("a path" if t == "path" else "text")
    return v


def _default_text(s):
    if s.get("defaultText"):
        return s["defaultText"]
    if s.get("defaultBy"):
        return ", ".join(f"{k} {_describe(v)}" for k, v in s["defaultBy"]["values"].items())
    d = s.get("default")
    if d is None or d is False:
        return None
    if s["type"] == "duration":
        return "0" if d == 0 else f"{_describe(d)}s"
    return _describe(d) + (f" {s['unit']}" if s.get("unit") else "")


def help_of(s):
    parts = [s["help"]]
    if s.get("special"):
        parts.append(f"({s['special']})")
    if s["type"] == "choice":
        parts.append(f"(choices: {', '.join(s['choices'])})")
    d = _default_text(s)
    if d is not None:
        parts.append(f"(default: {d})")
    # argparse formats help with %
    return " ".join(parts).replace("%", "%%")


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise usage_error(f"{message}; see --help")


def build_parser(table, prog, description, epilog=""):
    p = _Parser(prog=prog, description=description, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("store", nargs="?", help="a token store made by recur prepare (NAME.recur); with --resume, the checkpoint's by default")
    for f in table["fields"]:
        flags = ([f["short"]] if f.get("short") else []) + [flag_of(f["name"])]
        if f["type"] == "boolean":
            p.add_argument(*flags, dest=f["name"], action="store_true", default=None, help=help_of(f))
        else:
            parse = _PARSERS.get(f["type"], str)
            p.add_argument(*flags, dest=f["name"], metavar=(f.get("placeholder") or "<value>"), type=_typed(f["name"], parse), default=None, help=help_of(f))
    return p


def _typed(name, parse):
    def convert(text):
        try:
            return parse(text)
        except ValueError as e:
            raise usage_error(f"{flag_of(name)} {e} (got {json.dumps(text)})") from None

    convert.__name__ = name
    return convert


def given_options(table, ns):
    """The values given on the command line (not defaults), checked: {name: value}."""
    out = {}
    for f in table["fields"]:
        v = getattr(ns, f["name"], None)
        if v is not None:
            out[f["name"]] = check_value(f, v)
    return out


def fields_by_name(table):
    return {f["name"]: f for f in table["fields"]}


def resolve(table, given):
    """Every field of every part: the given value, else its default (defaultBy may name an earlier field); {part: {name: value}}."""
    out, flat = {}, {}
    for f in table["fields"]:
        name = f["name"]
        if name in given:
            v = given[name]
        elif f.get("defaultBy"):
            v = f["defaultBy"]["values"].get(str(flat.get(f["defaultBy"]["field"])))
        else:
            v = f.get("default")
            v = list(v) if isinstance(v, list) else v
        out.setdefault(f["part"], {})[name] = v
        flat[name] = v
    return out


def resolve_train_options(table, given, fixed=None, init_config=None, resumed=None):
    """
    recur's resolveTrainOptions for the library parts: with an initial model its
    architecture and vocabulary win (giving one of those is an error); resuming
    takes the run's own options, and only the free ones may change (the limits
    given replace all three). The limit is `defaultEpochs` epochs when none is given.
    `fixed`: values decided elsewhere (the store's data options), taken as they are.
    """
    fixed = fixed or {}
    fields = fields_by_name(table)
    if resumed is not None:
        for name, v in given.items():
            f = fields[name]
            if f["part"] not in LIBRARY_PARTS or f["onResume"] == "free":
                continue
            before = resumed[f["part"]].get(name)
            if json.dumps(v) != json.dumps(before):
                had = "none" if before is None else _describe(before)
                raise usage_error(f"{flag_of(name)} {_describe(v)} disagrees with the checkpoint being resumed (it had {had}); leave it out to continue the run as it was, or start a new run")
        merged = {n: resumed[fields[n]["part"]].get(n) for n in fields if fields[n]["part"] in LIBRARY_PARTS}
        if any(fields[n]["part"] == "limits" for n in given):
            for n in ("epochs", "steps", "time"):
                merged[n] = None
        # the fixed ones given agree with the checkpoint (checked above); the free ones replace its values
        merged.update(given)
        merged.update(fixed)
        o = resolve(table, {n: v for n, v in merged.items() if v is not None})
    else:
        g = dict(given)
        if init_config is not None:
            for name in given:
                f = fields[name]
                if f.get("withInit") != "refused":
                    continue
                what = "vocabulary and text configuration are" if f["part"] == "data" else "architecture is"
                had = init_config.get(name)
                had_text = f" ({flag_of(name)} {_describe(had)})" if had is not None else ""
                raise usage_error(f"{flag_of(name)} cannot be set when training from an initial model: its {what} kept{had_text}")
            for name in ("level", "split", "tokenize", "lowercase", "cell", "embed", "hidden", "layers", "softmax", "tie"):
                g[name] = init_config[name]
            if init_config["softmax"] == "adaptive":
                g["cutoffs"] = list(init_config["cutoffs"])
            g["runningText"] = init_config.get("running_text", False)
        g.update(fixed)
        o = resolve(table, g)
    if o["model"]["lockedDropout"] and o["model"]["dropout"] == 0:
        raise usage_error("--locked-dropout needs dropout above 0, whose masks it locks over time")
    if o["model"]["runningText"] and o["data"]["split"] == "none":
        raise usage_error("--running-text reads lines or paragraphs as one running text; with --split none the text is one sequence already")
    lim = o["limits"]
    if lim["epochs"] is None and lim["steps"] is None and lim["time"] is None:
        lim["epochs"] = table["rules"]["defaultEpochs"]
    return o


def library_options(o):
    """The parts recur records as a run's options (what `recur info` shows); unset ones left out, as recur's JSON does."""
    return {p: {k: v for k, v in o[p].items() if v is not None} for p in LIBRARY_PARTS}
