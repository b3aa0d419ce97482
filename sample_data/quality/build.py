"""Build the small positive/negative sets of the quality classifier from sample_data's WARCs.

    .venv/bin/python sample_data/quality/build.py

Every web page of `sample_data/warc/web-*.warc.gz` goes through the quickstart's front half in
plain Python (extract → langid with the quickstart's languages at 0.65 → gopher_quality,
gopher_repetition, c4, fineweb):
- negative.jsonl.gz: every page a heuristic dropped (`reason` says which rule);
- positive.jsonl.gz: as many pages that passed every heuristic, chosen by a hash of their id.
Both sides are the same extracted reference documentation (Debian, Python docs), so the
classifier learns what the heuristics reject, not a difference of markup. Texts are cut to
their first 4,000 characters to keep the two files under 1 MB. The output is byte-identical
on every run (sorted by id, gzip without a timestamp).
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from dataprep.document import Document  # noqa: E402
from dataprep.extract import Extract, ExtractConfig  # noqa: E402
from dataprep.heuristics import make_heuristic  # noqa: E402
from dataprep.langid import LangId, LangIdConfig  # noqa: E402
from dataprep.readers import ReaderOptions, read_records  # noqa: E402

# recipes/quickstart.yaml: LLaMA-1's 20 Wikipedia languages plus zh and ja, threshold 0.65.
LANGUAGES = ("bg", "ca", "cs", "da", "de", "en", "es", "fr", "hr", "hu", "it", "nl", "pl", "pt", "ro", "ru", "sl",
             "sr", "sv", "uk", "zh", "ja")
HEURISTICS = ("gopher_quality", "gopher_repetition", "c4", "fineweb")
MAX_CHARS = 4000


def pages():
    for path in sorted(glob.glob(os.path.join(HERE, "..", "warc", "web-*.warc.gz"))):
        with open(path, "rb") as handle:
            for record in read_records(handle, path, os.path.basename(path), "web", "warc", ReaderOptions()):
                if isinstance(record, Document):
                    yield record


def main() -> None:
    extract = Extract(ExtractConfig(timeout_s=10))
    stages = [LangId(LangIdConfig(languages=LANGUAGES, threshold=0.65))] + [make_heuristic(n) for n in HEURISTICS]
    for stage in [extract, *stages]:
        stage.setup()
    positive, negative = [], []
    try:
        for page in pages():
            doc = extract.apply(page)
            if not isinstance(doc, Document):
                continue
            verdict = None
            for stage in stages:
                result = stage.apply(doc)
                if not isinstance(result, Document):
                    verdict = (stage.name, result.reason)
                    break
                doc = result
            row = {"id": doc.id, "url": doc.url, "lang": doc.metadata.get("lang"), "text": doc.text[:MAX_CHARS]}
            if verdict is None:
                positive.append(row)
            elif verdict[0] != "langid":  # unwanted languages are neither good nor bad text
                negative.append({**row, "reason": verdict[1]})
    finally:
        extract.teardown()
    # As many positives as negatives, the smallest id hashes: a balanced, fixed choice.
    positive = sorted(positive, key=lambda r: hashlib.sha256(r["id"].encode()).hexdigest())[:len(negative)]
    for name, rows in (("positive", positive), ("negative", negative)):
        data = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in sorted(rows, key=lambda r: r["id"]))
        with open(os.path.join(HERE, f"{name}.jsonl.gz"), "wb") as raw, \
                gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as packed:
            packed.write(data.encode("utf-8"))
        print(f"{name}: {len(rows)} documents")


if __name__ == "__main__":
    main()
