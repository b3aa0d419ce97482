"""A tokenize run, decided before any document is read, and the state of its output folder.

Shared by the single-machine driver (`tokenizer.tokenize`) and the Beam stage
(`pipelines/tokenize.py`), which is what makes their bytes equal:

    prepare       config, corpus files, tokenizer record, dtype and the config hash → `Job`
    check_output  the output folder is fresh, an unfinished run of this job (resume: its
                  unmarked shards removed) or complete; one of another tokenizer or config
                  is an error, never a mix
    start_output  claim the folder (tokenizer copy, _config.json) before the first shard
    finalize      manifest.json from the shards' records; then markers and _config.json go
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

from dataprep import fs
from dataprep.config import option, validate
from dataprep.fs import write_atomic
from dataprep.inputs import InputFile
from dataprep.outputs import TEMPORARY_SUFFIX
from tokenizer import TokenizerError
from tokenizer.corpus import expand_corpus
from tokenizer.shards import (MANIFEST, MARKER_SUFFIX, SUFFIXES, build_manifest, choose_dtype, json_bytes, read_marker,
                              strip_suffix)

TOKENIZER_FILE = "tokenizer.model"
CONFIG_FILE = "_config.json"
# 2: input paths relative to the corpus's common folder (1 had them as given, absolute, so a
# moved or copied output folder no longer matched its own manifest).
IDENTITY_VERSION = 2
DTYPES = ("auto", "uint16", "int32")


@dataclasses.dataclass(frozen=True)
class TokenizeConfig:
    """What decides the shards' bytes (besides the corpus and the tokenizer)."""

    seed: int = option(0, "Seed of the global document shuffle (and so of the shard assignment).", range=(0, None))
    shard_tokens: int = option(
        100_000_000, "Tokens per shard: a document goes to the shard whose window holds its first token.",
        range=(1, None))
    bos: bool = option(False, "Put BOS before every document (EOS always follows every document).")
    dtype: str = option("auto", "Token dtype: auto (uint16 below 65,500 pieces, else int32), uint16, int32.",
                        choices=DTYPES)
    skip_empty: bool = option(False, "Drop documents with empty text (counted in the manifest) instead of failing.")

    def __post_init__(self):
        validate(self, "tokenize")


@dataclasses.dataclass(frozen=True)
class Job:
    """Everything decided before any document is read; shared by the CLI and Beam paths."""

    files: tuple[InputFile, ...]
    output: str
    config: TokenizeConfig
    model: bytes
    tokenizer: dict  # the manifest's tokenizer record
    dtype: str
    identity: dict
    config_hash: str

    @property
    def eos_id(self) -> int:
        return self.tokenizer["eos_id"]


def tokenizer_record(model: bytes, where: str) -> dict:
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor()
    try:
        processor.LoadFromSerializedProto(model)
    except Exception:  # sentencepiece raises RuntimeError/OSError with a C++ message
        raise TokenizerError(f"{where}: not a sentencepiece model") from None
    return {
        "file": TOKENIZER_FILE,
        "sha256": hashlib.sha256(model).hexdigest(),
        "vocab_size": processor.get_piece_size(),
        "unk_id": processor.unk_id(),
        "bos_id": processor.bos_id(),
        "eos_id": processor.eos_id(),
        "pad_id": processor.pad_id(),
    }


def read_bytes(path: str) -> bytes:
    try:
        return fs.read_bytes(path)
    except FileNotFoundError:
        raise TokenizerError(f"cannot read {path}: no such file") from None
    except Exception as error:  # OSError locally; BeamIOError remotely
        raise TokenizerError(f"cannot read {path}: {str(error).splitlines()[0]}") from None


def relative_inputs(paths: list[str]) -> list[str]:
    """The corpus files relative to their common folder ("web/web-00000-of-00004.parquet"):
    what the identity records, so that a moved or copied folder (corpus and tokens together)
    still matches, and the same corpus tokenized into two places gives the same manifest."""
    folders = [path.split("/")[:-1] for path in paths]
    common = folders[0] if folders else []
    for parts in folders[1:]:
        while parts[:len(common)] != common:
            common = common[:-1]
    if not common or common == [""]:  # nothing shared (or only "/"): keep them as given
        return list(paths)
    return [path[len("/".join(common)) + 1:] for path in paths]


def prepare(corpus: list[str], tokenizer_path: str, output: str, config: TokenizeConfig) -> Job:
    files = tuple(expand_corpus(corpus))
    model = read_bytes(tokenizer_path)
    record = tokenizer_record(model, tokenizer_path)
    if record["eos_id"] < 0:
        raise TokenizerError(f"{tokenizer_path}: the tokenizer has no EOS piece (it goes after every document)")
    if config.bos and record["bos_id"] < 0:
        raise TokenizerError(f"{tokenizer_path}: --bos asked for, but the tokenizer has no BOS piece")
    dtype = choose_dtype(record["vocab_size"], config.dtype)
    identity = {
        "version": IDENTITY_VERSION,
        "config": dataclasses.asdict(config),
        "inputs": [{"path": path, "bytes": f.size} for path, f in zip(relative_inputs([f.path for f in files]), files)],
        "tokenizer_sha256": record["sha256"],
    }
    canonical = json.dumps(identity, sort_keys=True, ensure_ascii=False).encode("utf-8")
    config_hash = hashlib.sha256(canonical).hexdigest()[:16]
    return Job(files, output, config, model, record, dtype, identity, config_hash)


# --- the output folder: fresh, resumable, complete, or someone else's -----------------


def _describe(tokenizer: dict) -> str:
    return f"sha256 {tokenizer.get('sha256', '?')[:12]}…, {tokenizer.get('vocab_size', '?')} pieces"


def read_json(path: str) -> dict | None:
    if not fs.exists(path):
        return None
    return json.loads(fs.read_bytes(path).decode("utf-8"))


def check_output(job: Job) -> str:
    """'fresh', 'resume' or 'complete'; an output of another tokenizer or config is an error."""
    for name in (MANIFEST, CONFIG_FILE):
        previous = read_json(fs.join(job.output, name))
        if previous is None:
            continue
        theirs = previous.get("tokenizer", {})
        if theirs.get("sha256") != job.tokenizer["sha256"]:
            raise TokenizerError(
                f"{job.output} holds shards of another tokenizer ({_describe(theirs)}; this run: "
                f"{_describe(job.tokenizer)}): choose another --output or delete it")
        if previous.get("config_hash") != job.config_hash:
            raise TokenizerError(
                f"{job.output} holds shards of another config (hash {previous.get('config_hash')}, this run "
                f"{job.config_hash}: seed, shard size, BOS, dtype or the corpus differ): choose another --output "
                f"or delete it")
        if name == MANIFEST:
            return "complete"
        remove_unfinished(job)
        return "resume"
    existing = [path for path, _ in fs.match(fs.join(job.output, "*"))]
    foreign = sorted(p for p in existing if p.endswith(SUFFIXES + (MARKER_SUFFIX,)))
    if foreign:
        raise TokenizerError(f"{job.output} already holds token shards without a manifest or _config.json "
                             f"({foreign[0].rsplit('/', 1)[-1]}, …): choose an empty --output")
    return "fresh"


def remove_unfinished(job: Job) -> None:
    """Before a resume: the files of shards an interrupted run left without their .done marker,
    and half-written temporary files, go before new ones appear (finished shards stay)."""
    stale = []
    for path, _ in fs.match(fs.join(job.output, "*")):
        if path.endswith(TEMPORARY_SUFFIX):
            stale.append(path)
        elif path.endswith(SUFFIXES):
            name = strip_suffix(path.rsplit("/", 1)[-1])
            if read_marker(job.output, name, job.config_hash) is None:
                stale.append(path)
    if stale:
        fs.delete(stale)


def start_output(job: Job) -> None:
    """Record the run's identity (and copy the tokenizer) before the first shard is written."""
    fs.mkdirs(job.output)
    write_atomic(fs.join(job.output, TOKENIZER_FILE), job.model)
    record = {"config_hash": job.config_hash, "tokenizer": job.tokenizer, "identity": job.identity}
    write_atomic(fs.join(job.output, CONFIG_FILE), json_bytes(record))


def no_documents_error(job: Job, skipped_empty: int) -> TokenizerError:
    return TokenizerError(f"the corpus has no documents to tokenize ({len(job.files)} files"
                          f"{f', {skipped_empty} empty documents skipped' if skipped_empty else ''})")


def finalize(job: Job, shard_records: list[dict], skipped_empty: int) -> dict:
    """Write manifest.json from the shards' records, then remove markers and _config.json."""
    if not shard_records:
        raise no_documents_error(job, skipped_empty)
    manifest = build_manifest(job.identity, job.config_hash, job.tokenizer, job.dtype, shard_records, skipped_empty)
    write_atomic(fs.join(job.output, MANIFEST), json_bytes(manifest))
    leftovers = [fs.join(job.output, record["name"] + MARKER_SUFFIX) for record in shard_records]
    leftovers.append(fs.join(job.output, CONFIG_FILE))
    existing = [path for path in leftovers if fs.exists(path)]
    if existing:
        fs.delete(existing)
    return manifest


def empty_document_error(path: str | None, doc_id: str) -> TokenizerError:
    where = f"{path}: " if path else ""
    return TokenizerError(f"{where}document {doc_id} has empty text (filter it upstream, or pass --skip-empty)")
