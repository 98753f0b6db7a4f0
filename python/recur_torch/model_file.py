"""recur's model files (format recur-lm/1; src/model/model-file.ts, README "The model file").

A safetensors file holding exactly the state_dict of

    embedding = nn.Embedding(V, E)
    rnn       = nn.RNN | nn.GRU | nn.LSTM(E, H, num_layers=L, batch_first=True)
    decoder   = nn.Linear(H, V)            or nn.AdaptiveLogSoftmaxWithLoss(H, V, cutoffs, div_value, head_bias)

with "format": "recur-lm/1", "config" (JSON object), "vocab" (JSON array, index = id)
and "training" (JSON object: how the model was trained) in __metadata__.
No torch here: a model given to --init is checked before torch is imported.
"""
import json
import math

from .errors import format_error, usage_error
from .safetensors import read_safetensors, write_safetensors

MODEL_FORMAT = "recur-lm/1"
GATES = {"rnn": 1, "gru": 3, "lstm": 4}
TEXT_KEYS = ("level", "split", "tokenize", "lowercase")


def model_config(o, V, rules):
    """The configuration of a new run from its options (recur's configFor: adaptive by default from `adaptiveFrom` tokens, untied)."""
    m, d = o["model"], o["data"]
    softmax = m["softmax"] or ("adaptive" if V >= rules["adaptiveFrom"] and not m["tie"] else "full")
    cutoffs = m["cutoffs"]
    if cutoffs is None:
        cutoffs = default_cutoffs(V, rules) if softmax == "adaptive" else []
    c = {
        **{k: d[k] for k in TEXT_KEYS},
        "cell": m["cell"], "embed": m["embed"], "hidden": m["hidden"], "layers": m["layers"],
        "softmax": softmax, "cutoffs": list(cutoffs), "div_value": rules["divValue"], "head_bias": rules["headBias"], "tie": m["tie"],
        "running_text": m["runningText"],
    }
    check_config(c, V, usage=True)
    return c


def default_cutoffs(V, rules):
    c, x = [], rules["cutoffs"]["first"]
    while x < V:
        c.append(x)
        x *= rules["cutoffs"]["factor"]
    return c


def cluster_hidden(H, div, i):
    return max(1, int(math.floor(H / div ** (i + 1))))


def check_config(c, V, usage=False, what="config"):
    err = usage_error if usage else (lambda m: format_error(f"{what}: invalid config: {m}"))
    if c["tie"] and c["embed"] != c["hidden"]:
        raise err(f"--tie needs --embed equal to --hidden (got {c['embed']} and {c['hidden']})" if usage else "tie needs embed equal to hidden")
    if c["tie"] and c["softmax"] != "full":
        raise err("--tie works with the full softmax only" if usage else "tie works with the full softmax only")
    if c["softmax"] == "adaptive":
        k = c["cutoffs"]
        if not k:
            raise err(f"--cutoffs: the adaptive softmax needs at least one cutoff below the vocabulary size {V}")
        if any(not isinstance(x, int) or x < 1 or x >= V or (i > 0 and x <= k[i - 1]) for i, x in enumerate(k)):
            raise err(f"--cutoffs must be increasing integers between 1 and V − 1 = {V - 1} (got {','.join(map(str, k))})")
        for i in range(len(k)):
            if int(c["hidden"] // c["div_value"] ** (i + 1)) < 1:
                # PyTorch would make a cluster of width 0 where recur makes one of width 1
                raise err(f"--hidden {c['hidden']} is too small for {len(k)} adaptive-softmax clusters with div_value {c['div_value']:g}: use fewer --cutoffs or a larger --hidden")


def param_shapes(c, V):
    """The state_dict names and shapes, in order (recur's paramLayout)."""
    E, H, GH = c["embed"], c["hidden"], GATES[c["cell"]] * c["hidden"]
    out = [("embedding.weight", [V, E])]
    for k in range(c["layers"]):
        out += [(f"rnn.weight_ih_l{k}", [GH, E if k == 0 else H]), (f"rnn.weight_hh_l{k}", [GH, H]), (f"rnn.bias_ih_l{k}", [GH]), (f"rnn.bias_hh_l{k}", [GH])]
    if c["softmax"] == "adaptive":
        cut = list(c["cutoffs"]) + [V]
        out.append(("decoder.head.weight", [cut[0] + len(cut) - 1, H]))
        if c["head_bias"]:
            out.append(("decoder.head.bias", [cut[0] + len(cut) - 1]))
        for i in range(len(cut) - 1):
            h = cluster_hidden(H, c["div_value"], i)
            out += [(f"decoder.tail.{i}.0.weight", [h, H]), (f"decoder.tail.{i}.1.weight", [cut[i + 1] - cut[i], h])]
    else:
        out += [("decoder.weight", [V, H]), ("decoder.bias", [V])]
    return out


def read_model(path):
    """(config, vocab, tensors, training info) of a recur model file, checked as recur's loadModel checks it."""
    tensors, meta = read_safetensors(path)
    fmt = meta.get("format")
    if fmt is None:
        raise format_error(f'{path} is a safetensors file but not a recur model (no "format": "{MODEL_FORMAT}" in its metadata)')
    if fmt.startswith("recur-ckpt/") or fmt.startswith("recur-torch-ckpt/"):
        raise format_error(f"{path} is a training checkpoint, not a model; use the model file written beside it, or continue training with --resume {path}")
    if fmt != MODEL_FORMAT:
        raise format_error(f"{path} has format {json.dumps(fmt)}, which this recur_torch does not read (it reads {MODEL_FORMAT}); upgrade recur")
    try:
        raw = json.loads(meta["config"])
        vocab = json.loads(meta["vocab"])
        info = json.loads(meta["training"]) if "training" in meta else {}
    except (KeyError, ValueError):
        raise format_error(f'{path}: metadata "config" and "vocab" must be JSON') from None
    if not isinstance(vocab, list) or len(vocab) < 2 or vocab[:2] != ["<eos>", "<unk>"] or not all(isinstance(t, str) for t in vocab):
        raise format_error(f'{path}: vocab must be a JSON array of strings starting with "<eos>", "<unk>"')
    c = {"split": "lines", "tokenize": "default", "lowercase": False, "softmax": "full", "cutoffs": [], "div_value": 4, "head_bias": True, "tie": False, "running_text": False, **raw}
    for k in ("level", "cell", "embed", "hidden", "layers"):
        if k not in raw:
            raise format_error(f'{path}: config lacks the required key "{k}"')
    if c["cell"] not in GATES or c["level"] not in ("char", "word") or c["softmax"] not in ("full", "adaptive"):
        raise format_error(f"{path}: invalid config: unknown cell, level or softmax")
    V = len(vocab)
    check_config(c, V, what=path)
    expected = param_shapes(c, V)
    names = {n for n, _ in expected}
    for n in tensors:
        if n not in names:
            raise format_error(f"{path}: unexpected tensor {json.dumps(n)} for a {c['layers']}-layer {c['cell']} model")
    for n, shape in expected:
        if n not in tensors:
            raise format_error(f'{path}: tensor "{n}" is missing')
        if list(tensors[n].shape) != shape:
            raise format_error(f'{path}: tensor "{n}" has shape {list(tensors[n].shape)}, expected {shape} from the config')
    return c, vocab, tensors, info if isinstance(info, dict) else {}


def write_model(path, config, vocab, state, training):
    """state: name → float32 ndarray (the state_dict on the CPU); written in recur's tensor order, atomically."""
    order = [n for n, _ in param_shapes(config, len(vocab))]
    metadata = {
        "format": MODEL_FORMAT,
        "config": json.dumps(config, ensure_ascii=False, separators=(",", ":")),
        "vocab": json.dumps(vocab, ensure_ascii=False, separators=(",", ":")),
        "training": json.dumps(training, ensure_ascii=False, separators=(",", ":"), allow_nan=False),
    }
    write_safetensors(path, [(n, state[n]) for n in order], metadata)
