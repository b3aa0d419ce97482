"""Beam stage: corpus → token shards + manifest.json, the same bytes as `dataprep tokenize`.

For corpora too large for one machine. The order and the shard cut are those of
`tokenizer.plan` (sort by (shuffle key, id), cut by each document's first token), computed
without a global sort: a document's start is the tokens of every key bucket before its own
(a small side input) plus the tokens before it inside its bucket (one bucket sorted on one
worker). Each shard is then gathered on one worker, sorted, and written by the same
`tokenizer.shards.write_shard` the CLI uses; shards with a .done marker of this config are
not rewritten.

    ReadCorpus        InputFile → (id, source, text)
    TokenizeDocuments (id, source, text) → shard records → manifest.json
    build(pipeline, job)  both on a pipeline; `dataprep.cli.tokenize` prepares the job and runs it
"""

from __future__ import annotations

import bisect

import apache_beam as beam
import numpy as np
from apache_beam.utils import shared

from tokenizer import TokenizerError, plan
from tokenizer.corpus import read_batches
from tokenizer.job import Job, empty_document_error, finalize
from tokenizer.shards import numpy_dtype, read_marker, write_shard

EMPTY = "empty"


class _ReadDocs(beam.DoFn):
    def process(self, corpus_file):
        for batch in read_batches(corpus_file):
            for doc_id, source, text in zip(batch.ids, batch.sources, batch.texts):
                yield doc_id, source, text


class ReadCorpus(beam.PTransform):
    """The job's corpus files → (id, source, text); one file is one unit of work."""

    def __init__(self, job: Job):
        super().__init__()
        self.job = job

    def expand(self, pipeline):
        return (
            pipeline
            | "CorpusFiles" >> beam.Create(list(self.job.files))  # InputFile
            | "SpreadFiles" >> beam.Reshuffle()
            | "ReadDocs" >> beam.ParDo(_ReadDocs())  # (id, source, text)
            | "SpreadDocs" >> beam.Reshuffle()
        )


class _Processor:
    """A weak-referenceable holder, as `shared.Shared` needs."""

    def __init__(self, model: bytes):
        import sentencepiece as spm

        self.processor = spm.SentencePieceProcessor()
        self.processor.LoadFromSerializedProto(model)


class _Encode(beam.DoFn):
    def __init__(self, job: Job):
        self.model = job.model
        self.sha = job.tokenizer["sha256"]
        self.seed = job.config.seed
        self.bos = job.config.bos
        self.skip_empty = job.config.skip_empty
        self.dtype = job.dtype
        self._shared = shared.Shared()

    def setup(self):
        # One processor per worker process, shared by its threads.
        model = self.model
        self.processor = self._shared.acquire(lambda: _Processor(model), tag=self.sha).processor
        self.key_of = plan.keyer(self.seed)
        self.np_dtype = numpy_dtype(self.dtype)

    def process(self, element):
        doc_id, source, text = element
        if not text:
            if not self.skip_empty:
                raise empty_document_error(None, doc_id)
            yield beam.pvalue.TaggedOutput(EMPTY, 1)
            return
        tokens = self.processor.encode(text, add_bos=self.bos, add_eos=True)
        yield self.key_of(doc_id), doc_id, source, np.asarray(tokens, dtype=self.np_dtype).tobytes()


class _AssignRawShards(beam.DoFn):
    """(bucket, [(key, id, tokens)]) → (id, raw shard): the bucket sorted, starts from its offset."""

    def __init__(self, shard_tokens: int):
        self.shard_tokens = shard_tokens

    def start_bundle(self):
        self._offsets = None

    def process(self, element, totals):
        bucket, items = element
        if self._offsets is None:
            self._offsets = plan.bucket_offsets(totals)
        start = self._offsets[bucket]
        # A bucket is 1/4096 of the (key, id, count) triples; sorting needs them all at once.
        for key, doc_id, count in sorted(items, key=lambda item: plan.sort_key(item[0], item[1])):
            yield doc_id, start // self.shard_tokens
            start += count


class _KeyByShard(beam.DoFn):
    """(id, {doc: [...], raw: [...]}) → (shard index, (key, id, source, tokens))."""

    def start_bundle(self):
        self._raws = None

    def process(self, element, raws):
        doc_id, joined = element
        docs, raw = list(joined["doc"]), list(joined["raw"])
        if len(docs) != 1:
            raise TokenizerError(f"document id {doc_id} appears more than once: ids must be unique")
        if self._raws is None:
            self._raws = sorted(raws)
        yield bisect.bisect_left(self._raws, raw[0]), docs[0]


class _WriteShard(beam.DoFn):
    def __init__(self, job: Job):
        self.output = job.output
        self.dtype = job.dtype
        self.config_hash = job.config_hash

    def process(self, element, raws):
        index, docs = element
        name = plan.shard_name(index, len(raws))
        record = read_marker(self.output, name, self.config_hash)
        if record is not None:  # written by an earlier, interrupted run of this config
            yield record
            return
        # A shard is gathered on one worker to order it: its size is bounded by shard_tokens.
        docs = sorted(docs, key=lambda doc: plan.sort_key(doc[0], doc[1]))
        itemsize = numpy_dtype(self.dtype).itemsize
        tokens = np.frombuffer(b"".join(doc[3] for doc in docs), dtype=numpy_dtype(self.dtype))
        lengths = np.array([len(doc[3]) // itemsize for doc in docs], dtype=np.int64)
        yield write_shard(self.output, name, tokens, lengths, [doc[2] for doc in docs], self.dtype,
                          self.config_hash)


class _Finalize(beam.DoFn):
    def __init__(self, job: Job):
        self.job = job

    def process(self, records, skipped):
        manifest = finalize(self.job, records, skipped)
        yield manifest["tokens"]


class TokenizeDocuments(beam.PTransform):
    """(id, source, text) → shards and manifest.json in job.output; outputs the total token count."""

    def __init__(self, job: Job):
        super().__init__()
        self.job = job

    def expand(self, docs):
        job = self.job
        shard_tokens = job.config.shard_tokens
        encoded = docs | "Encode" >> beam.ParDo(_Encode(job)).with_outputs(EMPTY, main="tokens")
        tokens = encoded.tokens  # (key, id, source, token bytes)
        itemsize = numpy_dtype(job.dtype).itemsize
        counts = tokens | "Counts" >> beam.Map(
            lambda doc: (plan.bucket_of(doc[0]), (doc[0], doc[1], len(doc[3]) // itemsize)))  # (bucket, (key, id, n))
        totals = (
            counts
            | "BucketSizes" >> beam.Map(lambda kv: (kv[0], kv[1][2]))  # (bucket, n)
            | "SumBuckets" >> beam.CombinePerKey(sum)  # (bucket, tokens)
        )
        raw = (
            counts
            | "GroupBuckets" >> beam.GroupByKey()  # (bucket, [(key, id, n)])
            | "Starts" >> beam.ParDo(_AssignRawShards(shard_tokens), beam.pvalue.AsList(totals))  # (id, raw shard)
        )
        windows = (
            raw
            | "RawShards" >> beam.Values()  # raw shard
            | "Distinct" >> beam.Distinct()  # each raw shard with a document, once
        )
        by_id = tokens | "ById" >> beam.Map(lambda doc: (doc[1], doc))  # (id, (key, id, source, tokens))
        records = (
            {"doc": by_id, "raw": raw}
            | "Join" >> beam.CoGroupByKey()  # (id, {doc: [...], raw: [...]})
            | "KeyByShard" >> beam.ParDo(_KeyByShard(), beam.pvalue.AsList(windows))  # (shard, doc)
            | "GroupShards" >> beam.GroupByKey()  # (shard, [doc])
            | "WriteShards" >> beam.ParDo(_WriteShard(job), beam.pvalue.AsList(windows))  # shard record
        )
        skipped = encoded[EMPTY] | "CountEmpty" >> beam.CombineGlobally(sum)  # int
        return (
            records
            | "AllShards" >> beam.combiners.ToList()  # [record]
            | "WriteManifest" >> beam.ParDo(_Finalize(job), beam.pvalue.AsSingleton(skipped))  # total tokens
        )


def build(pipeline, job: Job):
    """The whole stage on `pipeline`: the job's corpus → shards and manifest.json in job.output.

    Call `tokenizer.job.check_output` and `start_output` first (the folder is claimed before
    the first record is read); the caller runs the pipeline.
    """
    return pipeline | "ReadCorpus" >> ReadCorpus(job) | "Tokenize" >> TokenizeDocuments(job)  # total tokens
