#!/usr/bin/env bash
# Extraction throughput per format: scans the files of each type in a
# generated document corpus and prints MB/s of input and peak RSS.
#
#   python3 ../shared/bench/gen_corpus.py --out /tmp/docs --size-mb 100 --mix docs --seed 7
#   cargo build --release
#   benches/formats.sh /tmp/docs/corpus [threads]
#
# Each format is scanned twice (the first run warms the page cache) and the
# second run is reported. The whole corpus is scanned last.
set -euo pipefail
corpus=${1:?usage: benches/formats.sh CORPUS_DIR [THREADS]}
threads=${2:-$(nproc)}
snoka=${SNOKA:-target/release/snoka}
list=$(mktemp)
trap 'rm -f "$list" "$list.rss"' EXIT

measure() { # label, then file paths on stdin (NUL-separated)
  local label=$1 bytes n t0 t1 rss
  cat > "$list"
  n=$(tr -cd '\0' < "$list" | wc -c)
  [ "$n" -gt 0 ] || return 0
  bytes=$(xargs -0 stat -c %s < "$list" | awk '{s += $1} END {print s}')
  xargs -0 "$snoka" scan -q -j "$threads" < "$list" > /dev/null 2>&1 || true
  t0=$(date +%s.%N)
  /usr/bin/time -o "$list.rss" -f '%M' xargs -0 "$snoka" scan -q -j "$threads" < "$list" > /dev/null 2>&1 || true
  t1=$(date +%s.%N)
  rss=$(tail -1 "$list.rss")
  awk -v l="$label" -v n="$n" -v b="$bytes" -v s="$(echo "$t1 - $t0" | bc)" -v r="$rss" \
    'BEGIN {printf "%-8s %6d files %9.1f MB %7.2f s %8.1f MB/s %7.0f MB peak RSS\n", l, n, b/1e6, s, b/1e6/s, r/1024}'
}

echo "snoka: $("$snoka" --version), $threads threads, corpus $corpus"
for ext in pdf docx xlsx odt ods zip txt csv eml html; do
  find "$corpus" -type f -iname "*.$ext" -print0 | sort -z | measure "$ext"
done
find "$corpus" -type f -print0 | sort -z | measure all
