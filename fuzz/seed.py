#!/usr/bin/env python3
"""Seed corpora for the fuzz targets from samples/ (corpus/ is gitignored).

    python3 fuzz/seed.py        # from the repository root

dispatch: the first byte picks a name in snoka::extract::fuzz::NAMES;
extract:  the first byte picks a format in snoka::extract::fuzz::FORMATS;
          every sample is also given to a few other extractors, so each
          extractor starts from real files of every kind.
detect, find: the text samples as they are.
"""
import hashlib
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CORPUS = ROOT / "fuzz" / "corpus"

DISPATCH = ["txt", "csv", "tsv", "pdf", "docx", "xlsx", "xls", "ods", "pptx", "odt", "eml", "mbox",
            "msg", "html", "zip", "tar.gz"]
EXTRACT = ["txt", "csv", "pdf", "xlsx", "xlsb", "xls", "ods", "docx", "pptx", "odt", "odp", "msg", "eml",
           "mbox", "html", "xml", "zip", "tar", "gz", "tsv", "tar.gz"]
TEXT = {"txt", "csv", "tsv", "md", "log", "html", "xml", "eml", "mbox", "py", "toml"}


def ext(p):
    return "tar.gz" if p.name.endswith(".tar.gz") else p.suffix.lstrip(".").lower()


def put(target, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main():
    files = sorted(p for p in SAMPLES.rglob("*") if p.is_file() and p.stat().st_size <= 256 * 1024)
    for p in files:
        data, e = p.read_bytes(), ext(p)
        if e in DISPATCH:
            put("dispatch", bytes([DISPATCH.index(e)]) + data)
        else:
            put("dispatch", bytes([0]) + data)
        own = EXTRACT.index(e) if e in EXTRACT else 0
        put("extract", bytes([own]) + data)
        # The same bytes to three other extractors (deterministic pick).
        h = int(hashlib.sha1(data).hexdigest(), 16)
        for k in range(3):
            put("extract", bytes([(own + 1 + (h >> (8 * k)) % (len(EXTRACT) - 1)) % len(EXTRACT)]) + data)
        if e in TEXT:
            put("detect", data)
            put("find", data)
    for t in sorted(os.listdir(CORPUS)):
        print(t, len(os.listdir(CORPUS / t)))


main()
