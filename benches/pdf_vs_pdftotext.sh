#!/usr/bin/env bash
# Side-by-side time and text comparison of snoka's PDF extraction
# (examples/pdftext.rs, release build) against poppler's pdftotext.
#
#   benches/pdf_vs_pdftotext.sh [PDF_DIR] [RUNS]
#
# PDF_DIR defaults to ../shared/corpus/pdf (searched recursively); RUNS
# (default 3) is how often each tool runs per file, the best time counts.
# Per file: outcome, best wall time of each tool, and word recall of ours
# against pdftotext (share of pdftotext's distinct words, NFKC and
# lower-cased, that ours also has) and precision (share of ours that
# pdftotext has). Needs pdftotext (apt-get install poppler-utils) and
# python3. Extracted text stays in a temporary directory that is removed.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-../shared/corpus/pdf}
runs=${2:-3}
command -v pdftotext >/dev/null || { echo "pdftotext not found (apt-get install poppler-utils)" >&2; exit 2; }
cargo build --release --quiet --example pdftext
ours=./target/release/examples/pdftext
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: > "$tmp/rows"
while IFS= read -r -d '' f; do
  name=$(basename "$f")
  best_ours=999999; best_them=999999
  for _ in $(seq "$runs"); do
    s=$(date +%s%N); "$ours" "$f" > "$tmp/ours.txt" 2> "$tmp/ours.err" || true; e=$(date +%s%N)
    best_ours=$(( (e - s) / 1000 < best_ours ? (e - s) / 1000 : best_ours ))
    s=$(date +%s%N); pdftotext -q -enc UTF-8 "$f" "$tmp/them.txt" 2>/dev/null || : > "$tmp/them.txt"; e=$(date +%s%N)
    best_them=$(( (e - s) / 1000 < best_them ? (e - s) / 1000 : best_them ))
  done
  outcome=$(sed -e "s|^.*: ||" "$tmp/ours.err" | tail -1)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$outcome" "$best_ours" "$best_them" "$tmp/ours.txt" "$tmp/them.txt" \
    | python3 -c '
import re, sys, unicodedata
name, outcome, t_ours, t_them, ours, them = sys.stdin.read().rstrip("\n").split("\t")
def words(path):
    text = unicodedata.normalize("NFKC", open(path, encoding="utf-8", errors="replace").read()).lower()
    return set(re.findall(r"\w+", text))
a, b = words(ours), words(them)
recall = len(a & b) / len(b) if b else float("nan")
precision = len(a & b) / len(a) if a else float("nan")
print(f"{name}\t{outcome}\t{int(t_ours)/1000:.1f}\t{int(t_them)/1000:.1f}\t{len(a)}\t{len(b)}\t{len(a & b)}\t{recall:.3f}\t{precision:.3f}")
' >> "$tmp/rows"
done < <(find "$dir" -type f -iname '*.pdf' -print0 | sort -z)
python3 - "$tmp/rows" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
w = max([len(r[0]) for r in rows] + [4])
print(f"{'file':<{w}}  {'ours ms':>8} {'pdftotext ms':>12} {'words':>6} {'theirs':>6} {'recall':>6} {'prec':>6}  outcome")
for name, outcome, to, tt, na, nb, nab, rec, prec in rows:
    print(f"{name:<{w}}  {float(to):>8.1f} {float(tt):>12.1f} {na:>6} {nb:>6} {rec:>6} {prec:>6}  {outcome}")
to = sum(float(r[2]) for r in rows); tt = sum(float(r[3]) for r in rows)
both = [r for r in rows if int(r[5]) > 0]
inter = sum(int(r[6]) for r in both); theirs = sum(int(r[5]) for r in both); ours = sum(int(r[4]) for r in both)
print(f"\n{len(rows)} files; total time ours {to:.0f} ms, pdftotext {tt:.0f} ms (ratio {to / tt if tt else float('nan'):.2f})")
if theirs:
    print(f"word recall (pooled over files where pdftotext has words): {inter / theirs:.3f}; precision {inter / ours if ours else float('nan'):.3f}")
    recs = sorted(float(r[7]) for r in both)
    print(f"per-file recall: median {recs[len(recs) // 2]:.3f}, min {recs[0]:.3f}")
PY
