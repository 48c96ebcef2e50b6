#!/usr/bin/env bash
# Subject search against a plain scan on the same corpus: `snoka find` with
# 1 subject and with 1,000 subjects, and `snoka scan`, each run twice (the
# first warms the page cache; the second is reported), with wall time, MB/s
# of input, peak RSS and the ratio to the scan.
#
#   python3 ../shared/bench/gen_corpus.py --out /tmp/corpus --size-mb 200 --mix text --seed 7
#   cargo build --release
#   benches/find.sh /tmp/corpus [threads]
#
# The subjects are made from the corpus's ground_truth.csv, so that the
# searches find something: subject i gets the i-th personnummer, CPR number,
# e-mail address and phone number planted in the corpus and a made-up name
# (several subjects share a name, as real people do). Values come from the
# generator's synthetic data only.
set -euo pipefail
out=${1:?usage: benches/find.sh GEN_CORPUS_OUT_DIR [THREADS]}
threads=${2:-$(nproc)}
snoka=${SNOKA:-target/release/snoka}
corpus=$out/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$out/ground_truth.csv" "$work" <<'EOF'
import csv, sys, itertools
truth, work = sys.argv[1], sys.argv[2]
by_kind = {}
for row in csv.DictReader(open(truth, encoding="utf-8")):
    by_kind.setdefault(row["kind"], [])
    if row["canonical"] not in by_kind[row["kind"]]:
        by_kind[row["kind"]].append(row["canonical"])
first = ["Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Sofie", "Mette", "Niels", "Östen", "Åsa", "Søren"]
last = ["Andersson", "Lindqvist", "Holm", "Nielsen", "Berg", "Kjærgaard", "Åkerlund", "Jensen", "Ek", "Sundberg"]
names = [f"{f} {l}" for f, l in itertools.product(first, last)]
def pick(kind, i):
    values = by_kind.get(kind, [])
    return values[i % len(values)] if values else ""
for n in (1, 1000):
    with open(f"{work}/subjects-{n}.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "personnummer", "cpr", "email", "phone"])
        for i in range(n):
            w.writerow([i + 1, names[i % len(names)], pick("se_pnr", i), pick("dk_cpr", i), pick("email", i),
                        pick("phone_se", i)])
EOF

bytes=$(find "$corpus" -type f -print0 | xargs -0 stat -c %s | awk '{s += $1} END {print s}')
echo "snoka: $("$snoka" --version), $threads threads, corpus $corpus ($(awk -v b="$bytes" 'BEGIN {printf "%.1f MB", b/1e6}'))"

measure() { # label, command...
  local label=$1 t0 t1
  shift
  "$@" > /dev/null 2>&1 || true
  t0=$(date +%s.%N)
  /usr/bin/time -o "$work/rss" -f '%M' "$@" > "$work/$label.out" 2>/dev/null || true
  t1=$(date +%s.%N)
  echo "$label $(echo "$t1 - $t0" | bc) $(tail -1 "$work/rss") $(($(wc -l < "$work/$label.out") - 1))"
}

{
  measure scan "$snoka" scan "$corpus" -q -j "$threads"
  measure find-1 "$snoka" find "$corpus" --subjects "$work/subjects-1.csv" -q -j "$threads"
  measure find-1000 "$snoka" find "$corpus" --subjects "$work/subjects-1000.csv" -q -j "$threads"
} | awk -v b="$bytes" '
  $1 == "scan" { base = $2 }
  { printf "%-10s %7.2f s %8.1f MB/s %6.0f MB peak RSS %8d rows   x%.2f of scan\n", $1, $2, b/1e6/$2, $3/1024, $4, $2/base }'
