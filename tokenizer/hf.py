"""The trained tokenizer as a folder `transformers.AutoTokenizer.from_pretrained` loads, same ids.

    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained("out/quickstart/tokenizer")
    tok.encode(text, add_special_tokens=False) == SentencePieceProcessor(model_file=…).encode(text)

Why not the classes users reach for first: `LlamaTokenizer(vocab_file=)` gives the right ids on
transformers 4.x but, on 5.x, a 3-token vocabulary; `LlamaTokenizerFast(vocab_file=)` misses the
dummy prefix on every text. So we write `tokenizer.json`, the `tokenizers` library's own format,
from the sentencepiece model file alone (its protobuf bytes, read here): neither `transformers`
nor `tokenizers` is needed to write it.

How each sentencepiece step maps (our model: BPE, byte_fallback, split_digits, identity
normalization, no whitespace collapsing, add_dummy_prefix; see tokenizer/train.py):

- model: `BPE` with sentencepiece's pieces at their ids and `byte_fallback`, so a character
  without a piece becomes the `<0xNN>` pieces of its UTF-8 bytes, as sentencepiece does.
  sentencepiece's BPE encoder merges, at each step, the adjacent pair whose concatenation is
  the highest-scoring normal piece (bpe_model.cc). `tokenizers` merges the pair of lowest
  rank, so the merges are every split of each normal piece into two normal pieces, ranked by
  the piece's score: transformers' `SpmConverter.build_tokenizer_from_spm_proto` and
  `generate_merges` (5.x) derive them the same way. split_digits needs nothing here: it keeps
  digit runs out of the trained pieces, so no merge ever joins two digits.
- normalizer: the model's charsmap (`Precompiled`) when it is not identity, sentencepiece's
  whitespace collapsing when trained with it, then " " → "▁" (escape_whitespaces).
- dummy prefix: sentencepiece puts "▁" before every text, even one that starts with a space
  (" x" → "▁▁x"): a `Prepend` normalizer, not the `Metaspace` pre-tokenizer, which skips it
  for a text that starts with "▁" (that is why `LlamaTokenizerFast` differs on such texts).
- decoder: "▁" → " ", bytes back to characters, and the dummy prefix stripped once.
- special pieces (<unk>, <s>, </s>, pad) are added tokens for ids and decoding, but
  `split_special_tokens` keeps a literal "</s>" inside a document text as characters, as
  sentencepiece (and so our token shards) encode it: text never injects an end of document.
- user symbols (`--user-symbols`): split out after the dummy prefix and emitted whole, as
  sentencepiece matches them before BPE. `ignore_merges` (set only then, as transformers'
  converter does) emits any chunk that is itself a piece whole.

Files (deterministic: the same model bytes give the same bytes): tokenizer.json,
tokenizer_config.json, special_tokens_map.json, next to tokenizer.model (written by training).
Measured (tests/tokenizer/test_hf.py, transformers 5.24, tokenizers 0.23): ids equal to
sentencepiece's on ~990 real documents and ~8,900 adversarial strings (runs of spaces, digits,
tabs, newlines, repeated symbols), for the default lossless model and for nmt_nfkc with
whitespace collapsing.
"""

from __future__ import annotations

import base64
import dataclasses
import re
import struct

from dataprep import fs
from dataprep.fs import write_atomic
from tokenizer import TokenizerError
from tokenizer.shards import json_bytes

TOKENIZER_JSON = "tokenizer.json"
CONFIG_JSON = "tokenizer_config.json"
SPECIAL_TOKENS_JSON = "special_tokens_map.json"
HF_FILES = (TOKENIZER_JSON, CONFIG_JSON, SPECIAL_TOKENS_JSON)

# sentencepiece_model.proto: ModelProto.SentencePiece.Type
_NORMAL, _UNKNOWN, _CONTROL, _USER_DEFINED, _BYTE = 1, 2, 3, 4, 6
_SPACE = "\u2581"  # "▁", sentencepiece's escaped space


@dataclasses.dataclass
class _Trainer:
    model_type: int = 1  # UNIGRAM 1, BPE 2
    byte_fallback: bool = False
    unk_id: int = 0
    bos_id: int = 1
    eos_id: int = 2
    pad_id: int = -1
    unk_piece: str = "<unk>"
    bos_piece: str = "<s>"
    eos_piece: str = "</s>"
    pad_piece: str = "<pad>"


@dataclasses.dataclass
class _Normalizer:
    name: str = ""
    precompiled_charsmap: bytes = b""
    add_dummy_prefix: bool = True
    remove_extra_whitespaces: bool = True
    escape_whitespaces: bool = True


@dataclasses.dataclass
class SpmModel:
    """What the export needs of a sentencepiece ModelProto: (piece, score, type), trainer, normalizer."""
    pieces: list[tuple[str, float, int]]
    trainer_spec: _Trainer
    normalizer_spec: _Normalizer


# Field numbers and defaults from sentencepiece_model.proto (ModelProto, TrainerSpec,
# NormalizerSpec). We read the wire format ourselves: sentencepiece 0.2.1+'s generated
# sentencepiece_model_pb2 needs protobuf >= 7 (gencode 7.36.1), and Beam 2.77 keeps protobuf < 7
# (6.33 here), so importing it fails with a VersionError.
_TRAINER_FIELDS = {3: "model_type", 35: "byte_fallback", 40: "unk_id", 41: "bos_id", 42: "eos_id", 43: "pad_id",
                   45: "unk_piece", 46: "bos_piece", 47: "eos_piece", 48: "pad_piece"}
_NORMALIZER_FIELDS = {1: "name", 2: "precompiled_charsmap", 3: "add_dummy_prefix", 4: "remove_extra_whitespaces",
                      5: "escape_whitespaces"}


def _fields(data: bytes):
    """(field number, value) of a protobuf message: int for varints, bytes, or raw 4/8 bytes."""
    pos, end = 0, len(data)
    while pos < end:
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            size, pos = _varint(data, pos)
            value, pos = data[pos: pos + size], pos + size
        elif wire == 5:
            value, pos = data[pos: pos + 4], pos + 4
        elif wire == 1:
            value, pos = data[pos: pos + 8], pos + 8
        else:
            raise TokenizerError(f"not a sentencepiece model: protobuf wire type {wire} at byte {pos}")
        if pos > end:
            raise TokenizerError("not a sentencepiece model: truncated protobuf")
        yield number, value


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data):
            raise TokenizerError("not a sentencepiece model: truncated protobuf")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _message(data: bytes, fields: dict[int, str], into):
    for number, value in _fields(data):
        name = fields.get(number)
        if name is None:
            continue
        default = getattr(into, name)
        if isinstance(default, bool):
            value = bool(value)
        elif isinstance(default, int):
            value = value - (1 << 64) if value >= 1 << 63 else value  # int32 -1 is a 10-byte varint
        elif isinstance(default, str):
            value = value.decode("utf-8")
        setattr(into, name, value)
    return into


def load_model(model: bytes) -> SpmModel:
    """Parse a serialized sentencepiece model (the bytes of tokenizer.model)."""
    pieces, trainer, normalizer = [], _Trainer(), _Normalizer()
    for number, value in _fields(model):
        if number == 1:
            piece, score, kind = "", 0.0, _NORMAL
            for field, item in _fields(value):
                if field == 1:
                    piece = item.decode("utf-8")
                elif field == 2:
                    score = struct.unpack("<f", item)[0]
                elif field == 3:
                    kind = item
            pieces.append((piece, score, kind))
        elif number == 2:
            _message(value, _TRAINER_FIELDS, trainer)
        elif number == 3:
            _message(value, _NORMALIZER_FIELDS, normalizer)
    if not pieces:
        raise TokenizerError("not a sentencepiece model: no pieces")
    return SpmModel(pieces, trainer, normalizer)


def merges_of(pieces: list[tuple[str, float, int]]) -> list[list[str]]:
    """BPE merges from (piece, score, type): every split of a normal piece into two normal pieces.

    Ranked by the merged piece's score (higher first), then its id, then the left part: the
    order sentencepiece's encoder applies them in (it merges the best-scoring piece first).
    """
    normal = {piece: (score, i) for i, (piece, score, kind) in enumerate(pieces) if kind == _NORMAL}
    ranked = []
    for piece, (score, i) in normal.items():
        for cut in range(1, len(piece)):
            left, right = piece[:cut], piece[cut:]
            if left in normal and right in normal:
                ranked.append((-score, i, left, right))
    ranked.sort()
    return [[left, right] for _, _, left, right in ranked]


def _replace(pattern: str, content: str, regex: bool = False) -> dict:
    return {"type": "Replace", "pattern": {"Regex" if regex else "String": pattern}, "content": content}


def _added(token_id: int, content: str) -> dict:
    return {"id": token_id, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": False, "special": True}


def tokenizer_json(model: SpmModel) -> dict:
    """The `tokenizers` serialization (tokenizer.json) that encodes as the sentencepiece model does."""
    trainer, spec = model.trainer_spec, model.normalizer_spec
    if trainer.model_type != 2:  # TrainerSpec.ModelType: UNIGRAM 1, BPE 2
        raise TokenizerError(f"only BPE models export to tokenizer.json here, not model_type {trainer.model_type}")
    pieces = model.pieces
    user_symbols = [piece for piece, _, kind in pieces if kind == _USER_DEFINED]

    normalizers = []
    if spec.precompiled_charsmap:
        normalizers.append({"type": "Precompiled",
                            "precompiled_charsmap": base64.b64encode(spec.precompiled_charsmap).decode("ascii")})
    if spec.remove_extra_whitespaces:
        # sentencepiece collapses spaces only; newlines and tabs stay
        normalizers += [_replace(r"\A +| +\z", "", regex=True), _replace(" {2,}", " ", regex=True)]
    if spec.escape_whitespaces:
        normalizers.append(_replace(" ", _SPACE))
    if spec.add_dummy_prefix:
        # Unconditional, as sentencepiece's: " x" is "▁▁x". Not the Metaspace pre-tokenizer:
        # it skips the prefix when the text starts with "▁", and when collapsing removed
        # leading spaces (the text no longer starts at offset 0).
        normalizers.append({"type": "Prepend", "prepend": _SPACE})
    pre_tokenizer = None
    if user_symbols:
        pattern = "|".join(re.escape(s) for s in sorted(user_symbols, key=lambda s: (-len(s), s)))
        pre_tokenizer = {"type": "Split", "pattern": {"Regex": pattern}, "behavior": "Isolated", "invert": False}

    decoders = [_replace(_SPACE, " ")]
    if trainer.byte_fallback:
        decoders.append({"type": "ByteFallback"})
    decoders.append({"type": "Fuse"})
    if spec.add_dummy_prefix:
        decoders.append({"type": "Strip", "content": " ", "start": 1, "stop": 0})

    bos = trainer.bos_piece if trainer.bos_id >= 0 else None
    post_processor = None
    if bos is not None:
        # LLaMA's convention: add_special_tokens=True puts BOS before each sequence
        post_processor = {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": bos, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {bos: {"id": bos, "ids": [trainer.bos_id], "tokens": [bos]}},
        }
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [_added(i, piece) for i, (piece, _, kind) in enumerate(pieces)
                         if kind in (_UNKNOWN, _CONTROL)],
        "normalizer": {"type": "Sequence", "normalizers": normalizers} if normalizers else None,
        "pre_tokenizer": pre_tokenizer,
        "post_processor": post_processor,
        "decoder": {"type": "Sequence", "decoders": decoders},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": trainer.unk_piece,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": True,
            "byte_fallback": bool(trainer.byte_fallback),
            "ignore_merges": bool(user_symbols),
            "vocab": {piece: i for i, (piece, _, _) in enumerate(pieces)},
            "merges": merges_of(pieces),
        },
    }


def _specials(model: SpmModel) -> dict[str, str]:
    trainer = model.trainer_spec
    out = {}
    for name in ("bos", "eos", "unk", "pad"):
        if getattr(trainer, f"{name}_id") >= 0:
            out[f"{name}_token"] = getattr(trainer, f"{name}_piece")
    return out


def tokenizer_config(model: SpmModel) -> dict:
    """tokenizer_config.json: the generic fast class, so transformers takes tokenizer.json as it is."""
    specials = _specials(model)
    return {
        # A model-specific class (LlamaTokenizer on 5.x) rebuilds its own pre-tokenizer and
        # drops the leading-space rule; the generic class loads tokenizer.json unchanged.
        "tokenizer_class": "PreTrainedTokenizerFast",
        **specials,
        "add_bos_token": "bos_token" in specials,
        "add_eos_token": False,
        "clean_up_tokenization_spaces": False,
        "split_special_tokens": True,
        "model_max_length": 1 << 60,
        "added_tokens_decoder": {
            str(i): {"content": piece, "lstrip": False, "normalized": False, "rstrip": False,
                     "single_word": False, "special": True}
            for i, (piece, _, kind) in enumerate(model.pieces) if kind in (_UNKNOWN, _CONTROL)
        },
    }


def export_hf(model: bytes, output: str) -> list[str]:
    """Write tokenizer.json, tokenizer_config.json and special_tokens_map.json for `model` into `output`."""
    parsed = load_model(model)
    files = {
        TOKENIZER_JSON: json_bytes(tokenizer_json(parsed)),
        CONFIG_JSON: json_bytes(tokenizer_config(parsed)),
        SPECIAL_TOKENS_JSON: json_bytes(_specials(parsed)),
    }
    for name, data in files.items():
        write_atomic(fs.join(output, name), data)
    return list(files)
