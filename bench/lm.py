"""N-gram LM throughput: counting (tokens/s) against a plain Python Counter, and perplexity
scoring (documents/s) of the `perplexity` stage against kenlm in a plain loop.

Texts: the 50 Debian Reference sections of sample_data/parquet/curated-00000.parquet (11
languages), cycled to --docs; tokenizer: a 2,000-piece SentencePiece BPE trained on them;
model: a 5-gram trained on them by our estimator.

Counting: the same pieces go through (a) `collections.Counter` over `sentence_ngrams`, the raw
counts only, on text tokenized beforehand, and (b) `CountNgrams`'s graph on the FnApiRunner
(SentencePiece, raw counts + continuation counts of every order, five CombinePerKey shuffles).
The Beam figure is one process: it scales with workers, the Counter does not scale at all.

Scoring: (a) the baseline a user would write: for each paragraph, normalize, `sp.encode`,
`kenlm.Model.score`, then CCNet's perplexity; (b) the `perplexity` stage with kenlm (its
default when installed); (c) the stage with our pure-Python ARPA scorer.

    python bench/lm.py [--docs 5000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter

import pyarrow.parquet as pq

from dataprep.document import Document
from dataprep.lm.arpa import arpa_bytes
from dataprep.lm.kn import adjust_counts, estimate, sentence_ngrams
from dataprep.lm.stage import Perplexity, PerplexityConfig, perplexity
from dataprep.lm.text import PieceTokenizer, paragraphs

SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sample_data", "parquet",
                      "curated-00000.parquet")


def best_seconds(run, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    texts = [row["text"] for row in pq.read_table(SAMPLE, columns=["text"]).to_pylist()]
    with tempfile.TemporaryDirectory(prefix="bench-lm-") as folder:
        run(args, texts, folder)


def run(args, texts: list[str], folder: str) -> None:
    import apache_beam as beam
    import kenlm
    import sentencepiece as spm
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    from pipelines.lm import CountNgrams

    with open(os.path.join(folder, "train.txt"), "w") as handle:
        handle.write("\n".join(line for text in texts for line in paragraphs(text)))
    spm.SentencePieceTrainer.train(input=os.path.join(folder, "train.txt"), model_prefix=os.path.join(folder, "tokenizer"),
                                   vocab_size=2000, model_type="bpe", num_threads=1, minloglevel=2)
    tokenizer = os.path.join(folder, "tokenizer.model")
    pieces = PieceTokenizer(tokenizer)
    sentences = [s for text in texts for s in pieces.sentences(text)]
    raw = Counter(g for s in sentences for g in sentence_ngrams(s, 5))
    with open(os.path.join(folder, "model.arpa"), "wb") as handle:
        handle.write(arpa_bytes(estimate(adjust_counts(raw, 5))))
    docs = [texts[i % len(texts)] for i in range(args.docs)]

    # --- counting ---
    by_text = {text: pieces.sentences(text) for text in texts}
    corpus = [s for text in docs for s in by_text[text]]  # the same pieces the Beam graph counts
    tokens = sum(len(s) + 1 for s in corpus)  # + </s>
    counter = best_seconds(lambda: Counter(g for s in corpus for g in sentence_ngrams(s, 5)), args.repeats)
    tokenize = best_seconds(lambda: [pieces.sentences(text) for text in docs], args.repeats)
    joined = [Document(id=str(i), text=text, source="b") for i, text in enumerate(docs)]

    def beam_count():
        with beam.Pipeline(runner=FnApiRunner()) as pipeline:
            pipeline | beam.Create(joined) | CountNgrams(5, tokenizer) | beam.combiners.Count.Globally()

    beam_seconds = best_seconds(beam_count, 1)
    print(f"counting, {tokens:,} tokens: Counter {tokens / counter:,.0f} tokens/s (raw counts only); "
          f"CountNgrams on FnApiRunner {tokens / beam_seconds:,.0f} tokens/s (raw + continuation counts, "
          f"SentencePiece included, one process); SentencePiece alone {tokens / tokenize:,.0f} tokens/s")

    # --- scoring ---
    config = kenlm.Config()
    config.show_progress = False
    config.arpa_complain = kenlm.ARPALoadComplain.NONE
    model = kenlm.Model(os.path.join(folder, "model.arpa"), config)
    processor = spm.SentencePieceProcessor(model_file=tokenizer)

    def baseline():
        for text in docs:
            total, count = 0.0, 0
            for line in paragraphs(text):
                encoded = [p for p in processor.encode(line, out_type=str) if p.strip()]
                if encoded:
                    total += model.score(" ".join(encoded), bos=True, eos=True)
                    count += len(encoded) + 1
            round(perplexity(total, count), 1)

    def stage_loop(scorer):
        stage = Perplexity(PerplexityConfig(models={"*": folder}, scorer=scorer))
        stage.setup()
        batch = [Document(id=str(i), text=t, source="b") for i, t in enumerate(docs)]
        return lambda: [stage.apply(d) for d in batch]

    base = args.docs / best_seconds(baseline, args.repeats)
    with_kenlm = args.docs / best_seconds(stage_loop("kenlm"), args.repeats)
    ours = args.docs / best_seconds(stage_loop("ours"), args.repeats)
    print(f"scoring, {args.docs:,} documents: kenlm loop {base:,.0f} docs/s; stage (kenlm) {with_kenlm:,.0f} docs/s "
          f"= {with_kenlm / base:.2f}x; stage (our ARPA scorer) {ours:,.0f} docs/s = {ours / base:.2f}x")


if __name__ == "__main__":
    main()
