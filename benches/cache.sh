#!/usr/bin/env bash
# Incremental scan benchmark (snoka scan --cache): cold scan, warm scan of
# the unchanged tree, then after touching one file (same content) and after
# changing one file's content. Prints wall time and peak RSS of each run,
# and the warm/cold ratio.
#
#   benches/cache.sh [CORPUS_DIR] [CACHE_DIR]
#
# CORPUS_DIR defaults to /tmp/cache-corpus/corpus, made by
#   python3 /work/shared/bench/gen_corpus.py --out /tmp/cache-corpus \
#       --size-mb 1000 --mix mixed --seed 11
# The script changes one file of the corpus (appends a line) and restores it.
# Build first: cargo build --release.
set -euo pipefail
corpus=${1:-/tmp/cache-corpus/corpus}
cache=${2:-/tmp/snoka-cache-bench}
bin=${SNOKA:-$(dirname "$0")/../target/release/snoka}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
rm -rf "$cache"

run() { # label, report file (the cache is kept between runs)
    local label=$1 report=$2
    /usr/bin/time -f "%e %M" -o "$out/time" "$bin" scan "$corpus" -q -o "$report" --cache "$cache" || true
    read -r secs kb < <(tail -n 1 "$out/time")
    printf '%-16s %8.2f s  %6d MiB peak RSS\n' "$label" "$secs" $((kb / 1024))
    echo "$secs"  >"$out/$label.secs"
}

echo "corpus: $corpus ($(du -sh "$corpus" | cut -f1), $(find "$corpus" -type f | wc -l) files)"
run cold "$out/cold.csv"
run warm "$out/warm.csv"
cmp -s "$out/cold.csv" "$out/warm.csv" && echo "warm report identical to cold" || echo "WARM REPORT DIFFERS"
file=$(find "$corpus" -type f -name '*.txt' | sort | sed -n 1p)
touch "$file"
run touched "$out/touched.csv"
cmp -s "$out/cold.csv" "$out/touched.csv" && echo "touched report identical to cold" || echo "TOUCHED REPORT DIFFERS"
cp -p "$file" "$out/saved"
echo "Kontakt: bench.person@exempel.se" >>"$file"
run changed "$out/changed.csv"
grep -c "bench.person\|b\*\*\*@exempel.se" "$out/changed.csv" >/dev/null && echo "changed file's new finding reported"
cp -p "$out/saved" "$file"
echo "cache size: $(du -sh "$cache" | cut -f1)"
awk -v c="$(cat "$out/cold.secs")" -v w="$(cat "$out/warm.secs")" 'BEGIN { printf "warm/cold speed-up: %.1fx\n", c / (w > 0 ? w : 0.01) }'
