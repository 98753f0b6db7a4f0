#!/usr/bin/env bash
# Model-quality protocols of test/bench/QUALITY.md. Every protocol has three disjoint parts:
#   - the training text;
#   - a validation split, the only text that drives training decisions (the best model kept,
#     the learning-rate decay, early stopping);
#   - a test split, never seen during training, scored once at the end with `recur eval`.
#
#   bash test/bench/quality.sh [names|shakespeare|shakespeare-torch|shakespeare-2layer|brown|brown-running ...]
#        (default: names shakespeare shakespeare-torch brown)
#
# After the test figure, shakespeare-2layer, brown and brown-running also report dynamic evaluation (recur eval
# --dynamic): the learning rate is the one of DYNAMIC_RATES (default 0.01 0.03 0.1 0.3) that scores
# the validation text best, and the test text is then scored once with it.
#
# Budgets: names 2m, Tiny Shakespeare 10m (recur and its PyTorch twin alike), Brown 30m;
# TIME=10s (any recur --time value) replaces them all, e.g. to check that the script runs.
# Needs ../shared/corpora beside the repository (or SHARED=/path/to/corpora), a built dist/ and,
# for shakespeare-torch, a Python with torch (PYTHON=…, default /work/torchvenv/bin/python
# if present, else python3; the fair speed reference is PyTorch with MKL, 2 threads).
# Split files and models go to OUT (default /tmp/recur-quality).
set -euo pipefail
cd "$(dirname "$0")/../.."
C=${SHARED:-../shared/corpora}
OUT=${OUT:-/tmp/recur-quality}
PYTHON=${PYTHON:-$([ -x /work/torchvenv/bin/python ] && echo /work/torchvenv/bin/python || echo python3)}
mkdir -p "$OUT"
recur() { node bin/recur.js "$@"; }
# every protocol is a new run: --force starts over where an earlier run of it left a checkpoint
train() { recur train --force "$@"; }

# a recur --time value (90, 90s, 10m, 1.5h) in seconds, for the PyTorch twin
seconds() {
  awk -v d="$1" 'BEGIN { u = substr(d, length(d)); n = d + 0; print (u == "m" ? n * 60 : u == "h" ? n * 3600 : n) }'
}

# the largest byte offset ≤ $2 of file $1 at which a UTF-8 character starts (not a 10xxxxxx byte)
char_boundary() {
  local f=$1 at=$2 b
  while [ "$at" -gt 0 ]; do
    b=$(dd if="$f" bs=1 skip="$at" count=1 2>/dev/null | od -An -tu1 | tr -d ' \n')
    if [ -z "$b" ] || [ "$b" -lt 128 ] || [ "$b" -ge 192 ]; then break; fi
    at=$((at - 1))
  done
  echo "$at"
}

names() {
  # by line number, deterministic: lines 1–8 of every 10 train (80%), line 9 validates (10%), line 10 tests (10%)
  awk 'NR % 10 != 9 && NR % 10 != 0' "$C/names.txt" > "$OUT/names-train.txt"
  awk 'NR % 10 == 9' "$C/names.txt" > "$OUT/names-valid.txt"
  awk 'NR % 10 == 0' "$C/names.txt" > "$OUT/names-test.txt"
  train "$OUT/names-train.txt" --val "$OUT/names-valid.txt" --time "${TIME:-2m}" -o "$OUT/names.safetensors"
  recur eval "$OUT/names.safetensors" "$OUT/names-test.txt" --json
}

# dynamic evaluation of model $1 on test text $3, at the rate of DYNAMIC_RATES that scores validation text $2 best
dynamic() {
  local model=$1 valid=$2 test=$3 rate loss best='' least=''
  for rate in ${DYNAMIC_RATES:-0.01 0.03 0.1 0.3}; do
    # a rate whose steps make the weights non-finite fails (recur: dynamic evaluation diverged …): not a candidate
    if ! loss=$(recur eval "$model" "$valid" --dynamic "$rate" --json | node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(0, "utf8")).loss))'); then
      echo "dynamic evaluation of the validation text at rate $rate: diverged" >&2
      continue
    fi
    echo "dynamic evaluation of the validation text at rate $rate: loss $loss" >&2
    if [ -z "$best" ] || awk -v a="$loss" -v b="$least" 'BEGIN { exit !(a < b) }'; then best=$rate least=$loss; fi
  done
  if [ -z "$best" ]; then echo "dynamic evaluation diverged at every rate of DYNAMIC_RATES" >&2; return 1; fi
  echo "dynamic evaluation of the test text at rate $best:" >&2
  recur eval "$model" "$test" --dynamic "$best" --json
}

shakespeare_split() {
  # the first 90% of the text (nanoGPT's training split) and the last 10% as the test text,
  # cut at a character boundary; training then holds out the last tenth of its 90% for
  # validation (--split none --val-frac 0.1 cuts the text there)
  local f="$C/tinyshakespeare.txt" n cut
  n=$(wc -c < "$f")
  cut=$(char_boundary "$f" $((n * 9 / 10)))
  head -c "$cut" "$f" > "$OUT/shakespeare-train.txt"
  tail -c +$((cut + 1)) "$f" > "$OUT/shakespeare-test.txt"
  # the validation text training holds out (--split none --val-frac 0.1: from the line after 90% of the bytes)
  node -e 'const b = require("fs").readFileSync(process.argv[1]), lf = b.indexOf(10, Math.floor(b.length * 0.9));
    process.stdout.write(b.subarray(lf < 0 ? b.length : lf + 1))' "$OUT/shakespeare-train.txt" > "$OUT/shakespeare-valid.txt"
}

shakespeare() {
  # recur's defaults (1-layer GRU 256, embedding 64, batch 32×64, Adam 2e-3, clip 5, learning rate
  # halved after 2 validations without improvement, early stop after 6): the settings of the PyTorch twin
  shakespeare_split
  train "$OUT/shakespeare-train.txt" --split none --val-frac 0.1 --time "${TIME:-10m}" -o "$OUT/shakespeare.safetensors"
  recur eval "$OUT/shakespeare.safetensors" "$OUT/shakespeare-test.txt" --json
}

shakespeare-torch() {
  # the same task in PyTorch: same split, same model and recipe, same budget, 2 threads
  shakespeare_split
  "$PYTHON" test/bench/torch_shakespeare.py "$OUT/shakespeare-train.txt" "$OUT/shakespeare-test.txt" \
    --time "$(seconds "${TIME:-10m}")" --threads 2
}

shakespeare-2layer() {
  # recur only, the best configuration found on the same split: 2-layer GRU 256, sequence length 128,
  # dropout 0.05 (0.1 until 2026-12-03 evening), Adam 3e-3 annealed to zero by a half cosine over the budget (no plateau decay)
  shakespeare_split
  train "$OUT/shakespeare-train.txt" --split none --val-frac 0.1 --layers 2 --hidden 256 --seq-len 128 \
    --dropout 0.05 --lr 0.003 --anneal cosine --lr-decay 1 --early-stop 0 --eval-every 100 --time "${TIME:-10m}" \
    -o "$OUT/shakespeare-2layer.safetensors"
  recur eval "$OUT/shakespeare-2layer.safetensors" "$OUT/shakespeare-test.txt" --json
  dynamic "$OUT/shakespeare-2layer.safetensors" "$OUT/shakespeare-valid.txt" "$OUT/shakespeare-test.txt"
}

# the Brown protocol's model and budget; $1 names the run, the rest are options added to it
brown_run() {
  local name=$1
  shift
  train "$C/brown/train.txt" --val "$C/brown/valid.txt" --level word --tokenize whitespace \
    --min-count 4 --max-vocab 0 --softmax adaptive --embed 256 --hidden 256 --dropout 0.4 \
    --anneal cosine --lr-decay 1 --early-stop 0 --eval-every 400 --seq-len 32 --time "${TIME:-30m}" "$@" -o "$OUT/$name.safetensors"
  recur eval "$OUT/$name.safetensors" "$C/brown/test.txt" --json
  dynamic "$OUT/$name.safetensors" "$C/brown/valid.txt" "$C/brown/test.txt"
}

brown() {
  # the corpus's own split: train.txt, valid.txt for validation, test.txt scored at the end;
  # words seen 3 times or fewer in train.txt become <unk>; the rate annealed to zero by a half
  # cosine over the budget (before 2026-12-02 14:00: halved on every plateau, --lr-decay 0.5 --patience 1);
  # every sentence from the zero state
  brown_run brown
}

brown-running() {
  # the same, reading each file as one running text (--running-text): the state carried across the
  # sentences, in their order, in training and when validation and test text are scored
  brown_run brown-running --running-text
}

for p in ${@:-names shakespeare shakespeare-torch brown}; do
  case "$p" in
    names | shakespeare | shakespeare-torch | shakespeare-2layer | brown | brown-running) "$p" ;;
    *) echo "unknown protocol $p (names, shakespeare, shakespeare-torch, shakespeare-2layer, brown, brown-running)" >&2; exit 2 ;;
  esac
done
