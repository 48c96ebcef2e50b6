#!/usr/bin/env python3
"""Precision and recall of a snoka scan against a generated corpus.

Usage (from the repository root):

    python3 ../shared/bench/gen_corpus.py --out /tmp/docs --size-mb 100 --mix docs --seed 7
    target/release/snoka scan /tmp/docs/corpus -f jsonl --show-values -q -o /tmp/docs.jsonl
    python3 benches/accuracy.py /tmp/docs /tmp/docs.jsonl

A finding is a true positive when the corpus planted the same (file, kind,
canonical value); counts are matched as multisets per top-level file, so a
value planted twice and found once is one hit and one miss. Findings that
match no planted value are counted as extra, split into decoys (values the
generator planted to tempt scanners) and other (values the generator wrote
without recording them, such as structural e-mail headers, and real false
positives). Prints overall and per-kind figures, and recall per file type.
"""

import collections
import csv
import json
import os
import sys

KIND = {
    "se_pnr": "personnummer",
    "se_samnr": "samordningsnummer",
    "dk_cpr": "cpr",
    "email": "email",
    "ipv4": "ipv4",
    "ipv6": "ipv6",
    "phone_se": "phone",
    "phone_dk": "phone",
}


def ext(path):
    base = path.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    corpus, found_path = sys.argv[1], sys.argv[2]
    truth = collections.Counter()
    with open(os.path.join(corpus, "ground_truth.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            truth[(row["path"], KIND[row["kind"]], row["canonical"])] += 1
    decoys = set()
    with open(os.path.join(corpus, "decoys.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            decoys.add((row["path"], row["value_written"]))
    found = collections.Counter()
    written = {}
    prefix = os.path.join(corpus, "corpus") + "/"
    with open(found_path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            path = r["path"]
            if path.startswith(prefix):
                path = path[len(prefix):]
            key = (path, r["kind"], r["normalized"])
            found[key] += 1
            written[key] = r["value"]
    tp = collections.Counter()
    fn = collections.Counter()
    fp = collections.Counter()
    decoy_fp = 0
    by_ext = collections.defaultdict(lambda: [0, 0])
    for key in truth.keys() | found.keys():
        t, g = truth.get(key, 0), found.get(key, 0)
        hit = min(t, g)
        tp[key[1]] += hit
        fn[key[1]] += t - hit
        fp[key[1]] += g - hit
        if g > hit and (key[0], written.get(key, "")) in decoys:
            decoy_fp += g - hit
        e = by_ext[ext(key[0])]
        e[0] += hit
        e[1] += t
    T, N, P = sum(tp.values()), sum(fn.values()), sum(fp.values())
    print(f"planted {T + N}, found {T + P}: recall {T / max(T + N, 1):.3f}, precision {T / max(T + P, 1):.3f}")
    print(f"extra findings: {P} ({decoy_fp} of them decoys)")
    print(f"{'kind':<18}{'recall':>8}{'precision':>11}{'planted':>9}{'extra':>7}")
    for k in sorted(tp.keys() | fn.keys() | fp.keys()):
        t, n, p = tp[k], fn[k], fp[k]
        print(f"{k:<18}{t / max(t + n, 1):>8.3f}{t / max(t + p, 1):>11.3f}{t + n:>9}{p:>7}")
    print(f"{'file type':<18}{'recall':>8}{'planted':>9}")
    for e, (hit, total) in sorted(by_ext.items()):
        if total:
            print(f"{e or '(none)':<18}{hit / total:>8.3f}{total:>9}")


if __name__ == "__main__":
    main()
