#!/usr/bin/env bash
# Model-quality protocols of test/bench/QUALITY.md: trains on the shared corpora with a
# wall-clock budget and evaluates on held-out text never used for training or tuning.
#   bash test/bench/quality.sh [names|shakespeare|brown ...]   (default: all three)
# Needs ../shared/corpora beside the repository (or SHARED=/path/to/corpora) and a built dist/.
set -euo pipefail
cd "$(dirname "$0")/../.."
C=${SHARED:-../shared/corpora}
OUT=${OUT:-/tmp/recur-quality}
mkdir -p "$OUT"
recur() { node bin/recur.js "$@"; }

names() {
  # every 10th line held out, the rest for training; defaults, 2 minutes
  awk 'NR % 10 != 0' "$C/names.txt" > "$OUT/names-train.txt"
  awk 'NR % 10 == 0' "$C/names.txt" > "$OUT/names-val.txt"
  recur train "$OUT/names-train.txt" --val "$OUT/names-val.txt" --time 2m -o "$OUT/names.safetensors"
  recur eval "$OUT/names.safetensors" "$OUT/names-val.txt"
}

shakespeare() {
  # the last 10% of the text is the validation split (--split none --val-frac 0.1); 10 minutes
  recur train "$C/tinyshakespeare.txt" --split none --val-frac 0.1 --layers 2 --hidden 256 --seq-len 128 \
    --dropout 0.1 --eval-every 100 --time 10m -o "$OUT/shakespeare.safetensors"
}

brown() {
  # words seen 3 times or fewer in train.txt become <unk>; valid.txt for validation; test.txt held out
  recur train "$C/brown/train.txt" --val "$C/brown/valid.txt" --level word --tokenize whitespace \
    --min-count 4 --max-vocab 0 --softmax adaptive --embed 256 --hidden 256 --dropout 0.4 \
    --lr-decay 0.5 --patience 1 --eval-every 400 --seq-len 32 --time 30m -o "$OUT/brown.safetensors"
  recur eval "$OUT/brown.safetensors" "$C/brown/test.txt"
}

for p in "${@:-names shakespeare brown}"; do
  for q in $p; do "$q"; done
done
