#!/usr/bin/env bash
# Times `snoka scan` against ripgrep (the speed yardstick, with the
# five-detector regex from ../shared/bench/anchors/pii.rgx) and `cat` (the
# I/O floor) over the same generated corpus, alternating runs, and prints
# MB/s, the snoka/rg ratio and snoka's peak RSS.
#
#   benches/compare.sh [CORPUS_DIR] [RUNS]
#
# Without CORPUS_DIR it generates a 200 MB text corpus with
# ../shared/bench/gen_corpus.py into /tmp/snoka-corpus. Needs rg and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-}
runs=${2:-3}
if [ -z "$corpus" ]; then
  corpus=/tmp/snoka-corpus/corpus
  [ -d "$corpus" ] || python3 ../shared/bench/gen_corpus.py --out /tmp/snoka-corpus --size-mb 200 --mix text --seed 7
fi
cargo build --release --quiet
bytes=$(find "$corpus" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
mb=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b/1e6}')
bytes_nozip=$(find "$corpus" -type f ! -name '*.zip' -printf '%s\n' | awk '{s+=$1} END {print s}')
echo "corpus: $corpus ($mb MB, $(find "$corpus" -type f | wc -l) files), $(nproc) cores, best of $runs"
rgx=../shared/bench/anchors/pii.rgx
best() { sort -n | head -1; }
time_it() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN {print e-s}'; }
declare -A t
for j in 2 1; do
  for _ in $(seq "$runs"); do
    t[snoka$j]+="$(time_it ./target/release/snoka scan "$corpus" -j$j -q -o /tmp/snoka-bench.csv)"$'\n'
    t[rg$j]+="$(time_it sh -c "rg -uu -j$j --count-matches -f $rgx '$corpus' > /tmp/rg-bench.txt")"$'\n'
    t[cat$j]+="$(time_it sh -c "find '$corpus' -type f -exec cat {} + > /dev/null")"$'\n'
    # ripgrep does not open archives: the same comparison without them.
    t[snoka_nozip$j]+="$(time_it ./target/release/snoka scan "$corpus" -j$j -q --exclude '*.zip' -o /tmp/snoka-bench.csv)"$'\n'
    t[rg_nozip$j]+="$(time_it sh -c "rg -uu -j$j -g '!*.zip' --count-matches -f $rgx '$corpus' > /tmp/rg-bench.txt")"$'\n'
  done
done
printf '%-28s %8s %10s\n' command seconds MB/s
for k in cat2 rg2 snoka2 rg1 snoka1 rg_nozip2 snoka_nozip2 rg_nozip1 snoka_nozip1; do
  s=$(printf '%s' "${t[$k]}" | best)
  b=$bytes; [[ $k == *nozip* ]] && b=$bytes_nozip
  printf '%-28s %8.2f %10.1f\n' "$k" "$s" "$(awk -v b="$b" -v s="$s" 'BEGIN {print b/1e6/s}')"
done
for j in 2 1; do
  s=$(printf '%s' "${t[snoka$j]}" | best); r=$(printf '%s' "${t[rg$j]}" | best)
  echo "snoka/rg throughput ratio, $j thread(s): $(awk -v s="$s" -v r="$r" 'BEGIN {printf "%.2f", r/s}')"
  s=$(printf '%s' "${t[snoka_nozip$j]}" | best); r=$(printf '%s' "${t[rg_nozip$j]}" | best)
  echo "  the same without *.zip (seconds ratio): $(awk -v s="$s" -v r="$r" 'BEGIN {printf "%.2f", r/s}')"
done
s1=$(printf '%s' "${t[snoka1]}" | best); s2=$(printf '%s' "${t[snoka2]}" | best)
echo "snoka speed-up from 1 to 2 threads: $(awk -v a="$s1" -v b="$s2" 'BEGIN {printf "%.2f", a/b}')x"
/usr/bin/time -v ./target/release/snoka scan "$corpus" -j2 -q -o /tmp/snoka-bench.csv 2>&1 \
  | awk '/Maximum resident/ {printf "snoka peak RSS (-j2): %.1f MB\n", $6/1024}'
