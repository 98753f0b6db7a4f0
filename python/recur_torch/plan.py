"""What a run is, decided before torch is imported: its options, store, initial model or checkpoint, window and files.

Everything that can be checked without torch is checked here (a bad option, a
store from a newer format or with a missing shard, a model whose vocabulary is
not the store's, a world size that does not divide the batch, an output folder
that does not exist), so a bad command fails at once, with one line, and
writes nothing.
"""
import os

from .batches import fit_window
from .checkpoint import load_checkpoint
from .errors import input_error, usage_error
from .model_file import model_config, read_model
from .options import build_parser, flag_of, given_options, load_table, resolve_train_options
from .store import TokenStore

#: options of recur train that make no sense here, and what to do instead
REFUSED = {
    "val": "the validation text is part of the token store: prepare it with recur prepare … --val FILE",
    "replaceInvalid": "text is read by recur prepare: give it there",
    "report": "this trainer writes no report; draw one from the model afterwards: recur report MODEL -o report.html",
}
#: options of recur train's own kernels and printing, accepted and ignored (with a warning)
IGNORED = ("kernels", "samples")


class Plan:
    """A run's decisions: table, rules, options, store, config, window, process share, files, what it starts from."""


def plan_run(argv, env, prog, description, epilog):
    table = load_table()
    ns = build_parser(table, prog, description, epilog).parse_args(argv)
    given = given_options(table, ns)
    p = Plan()
    p.table, p.rules, p.warnings = table, table["rules"], []
    p.rank, p.world, p.local_rank = int(env.get("RANK", "0")), int(env.get("WORLD_SIZE", "1")), int(env.get("LOCAL_RANK", "0"))
    p.quiet, p.json = bool(given.get("quiet")), bool(given.get("json"))
    _refuse_and_ignore(p, given)
    if ns.init and ns.resume:
        raise usage_error("--init and --resume cannot be combined: a resumed run continues from its checkpoint's weights")
    _open_store(p, ns)
    _take_data_options(p, given)
    p.init = _initial_model(ns.init, p.store) if ns.init else None

    fixed = {k: v for k, v in p.store.data_options.items() if v is not None}
    o = resolve_train_options(table, given, fixed=fixed, init_config=p.init[0] if p.init else None, resumed=p.ck["options"] if p.ck else None)
    o["data"] = dict(p.store.data_options)
    p.options, p.V = o, len(p.store.vocab)
    p.config = p.ck["config"] if p.ck else p.init[0] if p.init else model_config(o, p.V, p.rules)
    if p.config.get("running_text") and p.store.val is not None and not (p.store.val_from_texts or p.store.val_tail):
        raise usage_error(f"--running-text reads the training text in order, and the token store {p.store.path} holds every n-th sequence out for validation: prepare it again with --running-text (the end of each file held out) or give --val")
    p.threads = o["runtime"]["threads"]
    _window(p)
    _files(p, given, ns.resume)
    p.store.verify()
    return p


def _refuse_and_ignore(p, given):
    for name, why in REFUSED.items():
        if name in given:
            raise usage_error(f"{flag_of(name)}: {why}")
    for name in IGNORED:
        if name in given:
            p.warnings.append(f"{flag_of(name)} is recur's own and is ignored by the PyTorch trainer")
            del given[name]


def _open_store(p, ns):
    """The store, and with --resume the checkpoint (which names its store, and must have been trained on it)."""
    p.ck_tensors, p.ck = load_checkpoint(ns.resume) if ns.resume else (None, None)
    p.resume_path = ns.resume
    path = ns.store or (p.ck["store"]["path"] if p.ck else None)
    if path is None:
        raise usage_error("give the token store to train on (a NAME.recur folder made by recur prepare), or --resume CHECKPOINT")
    p.store = TokenStore(path)
    if p.ck and p.ck["store"]["identity"] != p.store.identity:
        raise input_error(f"{path} is not the store the checkpoint {ns.resume} was trained on (or it was prepared again since); resume with that store")


def _take_data_options(p, given):
    """The data options are the store's: given again, they must say what it was prepared with."""
    for f in p.table["fields"]:
        name = f["name"]
        if f["part"] != "data" or name not in given:
            continue
        had = p.store.data_options[name]
        if given[name] != had:
            raise usage_error(f"{flag_of(name)} {given[name]} disagrees with the store {p.store.path}, prepared with {flag_of(name)} {had}; leave it out, or prepare the corpus again with recur prepare")
        del given[name]


def _initial_model(path, store):
    """(config, tensors) of a recur model whose vocabulary and text configuration are the store's."""
    config, vocab, tensors, _ = read_model(path)
    if vocab != store.vocab:
        raise input_error(f"{path} has another vocabulary than the store {store.path}, so their token ids disagree; prepare the corpus with recur prepare … --vocab-from {path}")
    for k in ("level", "split", "tokenize", "lowercase"):
        if config[k] != store.text[k]:
            raise input_error(f"{path} reads text with {k} {config[k]} but the store {store.path} was prepared with {k} {store.text[k]}; prepare the corpus again with recur prepare … --vocab-from {path}")
    return config, tensors


def _window(p):
    """B and T (shrunk to fit a small store, as recur does) and this process's share of the B streams."""
    o, store = p.options, p.store
    asked = (o["optimizer"]["batch"], o["optimizer"]["seqLen"])
    if store.train.tokens < 2:
        raise input_error(f"{store.path} is too small to train on: it needs at least two training tokens")
    B, T = fit_window(store.train.length, *asked)
    if (B, T) != asked:
        p.warnings.append(f"the training text ({store.train.tokens} tokens) is smaller than one window of {asked[0]}×{asked[1]}; using --batch {B} and --seq-len {T}")
    if p.ck and (p.ck["state"]["B"], p.ck["state"]["T"]) != (B, T):
        raise input_error(f"the checkpoint was trained with windows of {p.ck['state']['B']}×{p.ck['state']['T']} but the store gives {B}×{T}")
    if B % p.world != 0:
        shrunk = " (the store is too small for the --batch asked)" if B != asked[0] else ""
        raise usage_error(f"--batch {B}{shrunk} streams cannot be shared equally among {p.world} processes; give a --batch that is a multiple of {p.world}")
    p.B, p.T, p.Bc, p.b0 = B, T, B // p.world, p.rank * (B // p.world)


def _files(p, given, resume):
    """The model's path (-o) and the checkpoints' (--checkpoint; resuming: the one resumed from, unless -o is new)."""
    had = p.ck.get("files", {}) if p.ck else {}
    p.output = given.get("output") or had.get("output") or "model.safetensors"
    p.ckpt_path = given.get("checkpoint") or (resume if resume and "output" not in given else p.output + ".ckpt")
    for path, flag in ((p.output, "-o"), (p.ckpt_path, "--checkpoint")):
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise usage_error(f"{flag} {path}: the folder {folder} does not exist; create it first")
