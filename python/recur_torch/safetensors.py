"""The safetensors container, float32 only, with struct + json + numpy (no safetensors package):

    u64 little-endian N | N bytes of UTF-8 JSON header | raw little-endian tensor data
    header = {"<name>": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, …,
              "__metadata__": {"<key>": "<string>", …}}

Offsets count from the first byte after the header, which is padded with spaces
so the data starts 8-byte aligned (as recur writes it).
"""
import json
import os
import struct

import numpy as np

from .errors import format_error

MAX_HEADER_BYTES = 64 * 1024 * 1024


def write_safetensors(path, tensors, metadata):
    """tensors: (name, float32 ndarray) pairs in file order; metadata: str → str. Written atomically."""
    header = {"__metadata__": metadata}
    offset, blobs = 0, []
    for name, a in tensors:
        raw = np.ascontiguousarray(a, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    write_atomic(path, [struct.pack("<Q", len(h)), h, *blobs])


def write_atomic(path, chunks):
    """Write to a temporary file beside `path`, flush it to disk, rename it into place."""
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            for c in chunks:
                f.write(c)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_safetensors(path):
    """(tensors: name → float32 ndarray, metadata: str → str); every problem is one line naming the file."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise format_error(f"{path} does not exist") from None
    except IsADirectoryError:
        raise format_error(f"{path} is a folder, not a model file") from None
    if len(data) < 8:
        raise format_error(f"{path} is too short to be a safetensors file ({len(data)} bytes)")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8 or n > MAX_HEADER_BYTES or n < 2:
        raise format_error(f"{path} is not a safetensors file (its header length does not fit the file)")
    try:
        header = json.loads(data[8 : 8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise format_error(f"{path} is not a safetensors file: its header is not valid UTF-8 JSON") from None
    if not isinstance(header, dict):
        raise format_error(f"{path}: the safetensors header is not a JSON object")
    meta = header.pop("__metadata__", {}) or {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise format_error(f"{path}: __metadata__ must be an object of strings")
    base, tensors = 8 + n, {}
    for name, d in header.items():
        if not isinstance(d, dict) or d.get("dtype") != "F32":
            raise format_error(f"{path}: tensor {json.dumps(name)} is not float32 (F32)")
        shape, (b, e) = d.get("shape"), d.get("data_offsets", (0, -1))
        count = int(np.prod(shape)) if shape else 1
        if not (0 <= b <= e <= len(data) - base) or count * 4 != e - b:
            raise format_error(f"{path}: tensor {json.dumps(name)} lies outside the data or does not match its shape; the file is truncated or damaged")
        tensors[name] = np.frombuffer(data, dtype="<f4", count=count, offset=base + b).reshape(shape).copy()
    return tensors, meta
