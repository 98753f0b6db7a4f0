"""Token stores (docs/token-store.md, format recur-tokens/1), read through numpy.memmap.

A store is a folder NAME.recur made by `recur prepare`: manifest.json, the
training stream in shards train-NNNNN.bin, the start of every shuffle block
in train-blocks.bin (lines and paragraphs modes), and the validation stream in
val-NNNNN.bin. Each part is one stream

    <eos> x¹₁ … x¹ₙ <eos> x²₁ … <eos>        (tokens + 1 ids; position p is an input, p + 1 its target)

split over its shards in order. Nothing is copied into memory: a part maps its
shards and `read(positions)` gathers the ids at any array of stream positions.
The blocks (at most 2¹⁸ offsets) are the only thing read whole.

Every way a store can be unusable is one line that says what to do.
"""
import datetime
import hashlib
import json
import os

import numpy as np

from .errors import format_error, input_error
from .options import load_table

STORE_FORMAT = "recur-tokens/1"
_ID_TYPES = {"uint16": ("<u2", 2), "uint32": ("<u4", 4)}
# the text configuration's choices, from recur's own option table
_TEXT_CHOICES = {f["name"]: tuple(f["choices"]) for f in load_table()["fields"] if f["name"] in ("level", "split", "tokenize")}


class Part:
    """One stream of a store (train or val): `length` ids over memory-mapped shards."""

    def __init__(self, store, name, info, dtype):
        self.name = name
        self.tokens = int(info["tokens"])
        self.sequences = int(info.get("sequences", 0))
        self.oov = int(info.get("oov", 0))
        self.chars = int(info.get("chars", 0))
        self.length = self.tokens + 1
        np_type, width = _ID_TYPES[dtype]
        self.files, self._maps, starts = [], [], [0]
        for s in info["shards"]:
            path = os.path.join(store.path, s["file"])
            tokens = int(s["tokens"])
            if not os.path.isfile(path):
                raise input_error(f"{path} is missing: the store is incomplete; prepare it again with recur prepare")
            size = os.path.getsize(path)
            if size != tokens * width:
                raise input_error(f"{path} holds {size} bytes, but the manifest says {tokens} ids of {width} bytes: the store is damaged; prepare it again with recur prepare")
            self.files.append((path, s.get("sha256")))
            self._maps.append(np.memmap(path, dtype=np_type, mode="r") if tokens > 0 else np.zeros(0, dtype=np_type))
            starts.append(starts[-1] + tokens)
        if starts[-1] != self.length:
            raise format_error(f"{store.path}: the {name} shards hold {starts[-1]} ids, not tokens + 1 = {self.length}; prepare the store again with recur prepare")
        self._starts = np.array(starts, dtype=np.int64)
        self.blocks = None
        b = info.get("blocks")
        if b:
            path = os.path.join(store.path, b["file"])
            if not os.path.isfile(path):
                raise input_error(f"{path} is missing: the store is incomplete; prepare it again with recur prepare")
            if os.path.getsize(path) != int(b["count"]) * 8:
                raise input_error(f"{path} holds {os.path.getsize(path)} bytes, not {b['count']} offsets of 8 bytes: the store is damaged; prepare it again with recur prepare")
            self.files.append((path, b.get("sha256")))
            blocks = np.fromfile(path, dtype="<u8").astype(np.int64)
            if len(blocks) > 0 and (blocks[0] != 0 or np.any(np.diff(blocks) <= 0) or blocks[-1] >= self.length - 1):
                raise format_error(f"{path}: the block starts are not increasing offsets into the stream; prepare the store again with recur prepare")
            self.blocks = blocks

    def read(self, positions):
        """The ids at `positions` (an int array of any shape, each in [0, length)), as int64."""
        pos = np.asarray(positions, dtype=np.int64)
        out = np.empty(pos.shape, dtype=np.int64)
        shard = np.searchsorted(self._starts, pos, side="right") - 1
        for k in np.unique(shard):
            sel = shard == k
            out[sel] = self._maps[k][pos[sel] - self._starts[k]]
        return out

    def slice(self, begin, end):
        """The ids at begin … end − 1."""
        return self.read(np.arange(begin, end, dtype=np.int64))


class TokenStore:
    """An opened store: its manifest, vocabulary, text configuration and parts (val is None without one)."""

    def __init__(self, path):
        self.path = os.path.abspath(path)
        shown = path
        if not os.path.exists(path):
            raise input_error(f"{shown} does not exist; prepare a corpus first: recur prepare corpus.txt -o {shown}")
        if not os.path.isdir(path):
            raise input_error(f"{shown} is a file, not a token store; prepare it first: recur prepare {shown} -o {os.path.splitext(os.path.basename(shown))[0]}.recur")
        manifest = os.path.join(path, "manifest.json")
        if not os.path.isfile(manifest):
            raise input_error(f"{shown} has no manifest.json: it is not a token store, or its preparation did not finish; prepare it again with recur prepare")
        with open(manifest, "rb") as f:
            raw = f.read()
        #: the store's identity (recorded in checkpoints): the SHA-256 of its manifest
        self.identity = hashlib.sha256(raw).hexdigest()
        self.manifest_mtime = os.path.getmtime(manifest)

        def bad(why):
            raise format_error(f"{shown} is not a usable token store ({why}); prepare it again with recur prepare")

        try:
            m = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            bad("its manifest.json is not valid JSON")
        if not isinstance(m, dict):
            bad("its manifest.json is not an object")
        fmt = m.get("format")
        if not isinstance(fmt, str) or not fmt.startswith("recur-tokens/"):
            bad(f"its manifest.json has format {json.dumps(fmt)}, not {STORE_FORMAT}")
        if fmt != STORE_FORMAT:
            raise format_error(f"{shown} was written in a newer format ({fmt}) than this recur_torch reads ({STORE_FORMAT}); upgrade recur (its python/ folder)")
        text = m.get("text")
        if not isinstance(text, dict) or any(text.get(k) not in v for k, v in _TEXT_CHOICES.items()) or not isinstance(text.get("lowercase"), bool):
            bad("its text configuration is missing or unknown")
        vocab = m.get("vocab")
        if not isinstance(vocab, list) or len(vocab) < 2 or vocab[0] != "<eos>" or vocab[1] != "<unk>" or not all(isinstance(t, str) for t in vocab):
            bad("its vocabulary does not start with <eos>, <unk>")
        dtype = m.get("dtype")
        if dtype not in _ID_TYPES or (dtype == "uint16") != (len(vocab) <= 65536):
            bad(f"dtype {json.dumps(dtype)} does not fit a vocabulary of {len(vocab)}")
        parts = m.get("parts")
        if not isinstance(parts, dict) or not isinstance(parts.get("train"), dict):
            bad("it has no training part")
        for name in ("train", "val"):
            p = parts.get(name)
            if p is None:
                continue
            if not isinstance(p, dict) or not isinstance(p.get("shards"), list) or not isinstance(p.get("tokens"), int):
                bad(f"its {name} part has no counts or shards")
            for s in p["shards"]:
                if not isinstance(s, dict) or not isinstance(s.get("file"), str) or os.path.basename(s["file"]) != s["file"] or not isinstance(s.get("tokens"), int):
                    bad(f"a {name} shard entry is malformed")
        self.manifest = m
        self.text = {k: text[k] for k in ("level", "split", "tokenize", "lowercase")}
        self.vocab = vocab
        self.dtype = dtype
        v = m.get("vocabulary") or {}
        #: the data options the store was prepared with (recur train's `data` part)
        self.data_options = {
            **self.text,
            "maxVocab": v.get("maxVocab"),
            "minCount": v.get("minCount"),
            "valFrac": m.get("valFrac"),
        }
        #: the validation part is texts of its own (recur prepare --val), not a fraction held out of the training text
        self.val_from_texts = any(isinstance(s, dict) and s.get("part") == "val" for s in m.get("sources") or [])
        #: the validation part is the end of each file (recur prepare --running-text), not every n-th sequence
        self.val_tail = m.get("valTail") is True
        self.created = m.get("created")
        self.train = Part(self, "train", parts["train"], dtype)
        self.val = Part(self, "val", parts["val"], dtype) if parts.get("val") and parts["val"]["tokens"] > 0 else None
        if self.text["split"] != "none" and self.train.blocks is None and self.train.sequences > 1:
            bad("its training part has no shuffle blocks")

    def verify(self):
        """Before training: a file modified after the store was written must still have its SHA-256."""
        created = _parse_time(self.created)
        for part in (self.train, self.val):
            if part is None:
                continue
            for path, sha in part.files:
                if created is not None and os.path.getmtime(path) <= created:
                    continue
                if sha is None or _sha256(path) != sha:
                    raise input_error(f"{path} changed after the store was written (its SHA-256 no longer matches the manifest); prepare the store again with recur prepare")


def _parse_time(s):
    try:
        return datetime.datetime.fromisoformat(str(s).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 24), b""):
            h.update(chunk)
    return h.hexdigest()
