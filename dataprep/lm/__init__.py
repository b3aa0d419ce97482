"""An n-gram language model for perplexity filtering (CCNet, LLaMA-1): interpolated modified
Kneser-Ney estimated as KenLM's lmplz does (`kn`), ARPA writing and scoring (`arpa`), the text
the LM sees (`text`) and the `perplexity` stage (`stage`). No Beam: counting at scale lives in
pipelines/lm.py, which feeds the same functions."""

from dataprep.lm.arpa import ArpaScorer, arpa_bytes, read_arpa
from dataprep.lm.kn import Model, adjust_counts, estimate, sentence_ngrams
from dataprep.lm.stage import Perplexity, PerplexityConfig, bucket_of, perplexity

__all__ = ["ArpaScorer", "Model", "Perplexity", "PerplexityConfig", "adjust_counts", "arpa_bytes", "bucket_of",
           "estimate", "perplexity", "read_arpa", "sentence_ngrams"]
