"""Test-set decontamination (issue 11): benchmark n-grams found in training documents are cut
out GPT-3 style (or the document is dropped), and a report says which examples were seen.

Modules: `config` (settings, reasons), `ngrams` (the normalization both sides share, 64-bit
n-gram hashes), `benchmarks` (loading test sets; the shipped ones), `index` (the n-gram index
and lookups), `cut` (span cutting), `report` (contamination.json and its table). No Beam here:
`pipelines/decontaminate.py` wraps it.
"""

from dataprep.decontaminate.benchmarks import SHIPPED, Benchmark, Example, load_benchmark, parse_benchmark
from dataprep.decontaminate.config import (
    CONTAMINATION_FIELD,
    REASON_CONTAMINATED,
    REASON_EMPTIED,
    REASON_TOO_MANY_PIECES,
    STAGE,
    BenchmarkConfig,
    DecontaminateConfig,
)
from dataprep.decontaminate.cut import BenchmarkHit, cut, decontaminate
from dataprep.decontaminate.index import BenchmarkIndex, Hit, build_index, find_hits
from dataprep.decontaminate.ngrams import normalized_words
from dataprep.decontaminate.report import contamination_document, format_contamination_table
