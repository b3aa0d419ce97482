"""Recipes are data: a YAML file validated into typed, frozen dataclasses.

Every field has help text (`dataclasses.field(metadata={"help": ...})`) that `dataprep
recipe-help` prints, so the docs and the code cannot drift. An unknown key is an error that
names it and lists the valid ones. Relative paths in a recipe resolve against the recipe's
own folder, so a recipe works from any current directory.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import types
import typing
from typing import Any

import yaml

from dataprep.dedup import DedupConfig, parse_dedup_config
from dataprep.extract import ExtractConfig
from dataprep.harmful import HarmfulConfig
from dataprep.langid import DEFAULT_MODEL, LangIdConfig
from dataprep.readers import FORMATS
from tokenizer.tokenize import TokenizeConfig
from tokenizer.train import TrainConfig


_SOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9_]*")
#: Folders `dataprep run` writes next to the per-source ones.
RESERVED_OUTPUT_NAMES = frozenset({"dropped", "tokenizer", "tokens"})


class RecipeError(ValueError):
    """A recipe that cannot run; the message is one line meant for the user."""


@dataclasses.dataclass(frozen=True)
class InputConfig:
    source: str = dataclasses.field(
        metadata={"help": "Source name (web, wikipedia, books, ...): output folder and mixture key."}
    )
    format: str = dataclasses.field(metadata={"help": f"One of {', '.join(FORMATS)}."})
    paths: tuple[str, ...] = dataclasses.field(
        metadata={"help": "Files or globs (local, gs://, s3://). warc: .warc/.warc.gz; html: .html files; "
                  "jsonl: .jsonl/.jsonl.gz/.jsonl.zst; parquet: .parquet."}
    )
    text_field: str = dataclasses.field(default="text", metadata={"help": "jsonl/parquet: the text column."})
    url_field: str = dataclasses.field(default="url", metadata={"help": "jsonl/parquet: the URL column."})
    id_field: str = dataclasses.field(
        default="id", metadata={"help": "jsonl/parquet: the input's own id, kept as metadata.source_id."}
    )


@dataclasses.dataclass(frozen=True)
class OutputConfig:
    path: str = dataclasses.field(
        default="", metadata={"help": "Output folder (local, gs://, s3://). Default: out/<recipe name>."}
    )
    shards: int = dataclasses.field(
        default=4, metadata={"help": "Parquet shards per source: a fixed count, so names never depend on workers."}
    )
    write_dropped: bool = dataclasses.field(
        default=True, metadata={"help": "Also write dropped documents, with drop_stage/drop_reason, for audits."}
    )


@dataclasses.dataclass(frozen=True)
class HeuristicConfig:
    preset: str = dataclasses.field(
        metadata={"help": "gopher_quality, gopher_repetition, c4, fineweb or fineweb_code_dup."}
    )
    options: dict = dataclasses.field(
        default_factory=dict, metadata={"help": "Overrides of the preset's thresholds (see recipe-help)."}
    )


@dataclasses.dataclass(frozen=True)
class Recipe:
    name: str = dataclasses.field(metadata={"help": "Recipe name: names the default output folder."})
    inputs: tuple[InputConfig, ...] = dataclasses.field(metadata={"help": "What to read, per source."})
    output: OutputConfig = dataclasses.field(default_factory=OutputConfig, metadata={"help": "Where results go."})
    extract: ExtractConfig = dataclasses.field(
        default_factory=ExtractConfig, metadata={"help": "HTML → text (warc and html inputs)."}
    )
    harmful: HarmfulConfig | None = dataclasses.field(
        default_factory=HarmfulConfig, metadata={"help": "URL blocklist and bad words; null disables."}
    )
    langid: LangIdConfig | None = dataclasses.field(
        default_factory=LangIdConfig, metadata={"help": "fastText language ID; null disables."}
    )
    heuristics: tuple[HeuristicConfig, ...] = dataclasses.field(
        default=(), metadata={"help": "Heuristic filters in order: preset names or {preset: ..., <option>: ...}."}
    )
    dedup: DedupConfig | None = dataclasses.field(
        default=None,
        metadata={"help": "Deduplication after the heuristic filters: exact, URL, MinHash, lines "
                  "(`preset: books` for Jaccard ≥ 0.9 on long documents); null or absent: none."},
    )
    tokenizer: TrainConfig | None = dataclasses.field(
        default=None,
        metadata={"help": "Train a sentencepiece BPE tokenizer on the written corpus (into <output>/tokenizer); "
                  "null or absent: no tokenizer, no token shards."},
    )
    tokenize: TokenizeConfig = dataclasses.field(
        default_factory=TokenizeConfig,
        metadata={"help": "Token shards written with the trained tokenizer (into <output>/tokens)."},
    )

    def identity(self) -> dict:
        """Everything that decides the output's bytes; not where the output is written."""
        data = to_dict(self)
        del data["output"]["path"]
        return data

    def config_hash(self) -> str:
        """Hash of `identity()`: equal hashes mean byte-identical outputs."""
        canonical = json.dumps(self.identity(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


# --- loading --------------------------------------------------------------------------


def load_recipe(path: str) -> Recipe:
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except FileNotFoundError:
        raise RecipeError(f"recipe not found: {path}") from None
    except yaml.YAMLError as error:
        raise RecipeError(f"{path}: not valid YAML: {str(error).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise RecipeError(f"{path}: a recipe is a YAML mapping, got {type(data).__name__}")
    return parse_recipe(data, base_dir=os.path.dirname(os.path.abspath(path)), origin=path)


def parse_recipe(data: dict, base_dir: str = ".", origin: str = "recipe") -> Recipe:
    data = dict(data)
    entries = data.get("heuristics") or []
    if isinstance(entries, (str, dict)):
        # One entry without a list, as every other list key allows (a str is not iterated
        # as presets 'c', '4').
        entries = [entries]
    if not isinstance(entries, list):
        raise RecipeError(f"{origin}.heuristics: expected a list, got {type(entries).__name__}")
    data["heuristics"] = [_heuristic_entry(entry, origin) for entry in entries]
    # dedup has presets and nested overrides: its own parser validates it and names bad keys.
    try:
        dedup = parse_dedup_config(data.pop("dedup", None), f"{origin}: dedup")
    except (ValueError, TypeError) as error:
        raise RecipeError(str(error)) from None
    recipe = dataclasses.replace(_build(Recipe, data, origin), dedup=dedup)
    if not recipe.inputs:
        raise RecipeError(f"{origin}: inputs: at least one input is needed")
    for item in recipe.inputs:
        if item.format not in FORMATS:
            raise RecipeError(f"{origin}: inputs: format {item.format!r} is not one of {', '.join(FORMATS)}")
    sources = [item.source for item in recipe.inputs]
    for name in sources:
        # A source name is a folder under the output: no paths, and not one of our own folders.
        if not _SOURCE_NAME.fullmatch(name) or name in RESERVED_OUTPUT_NAMES:
            raise RecipeError(f"{origin}: inputs: source {name!r} must be lowercase letters, digits and "
                              f"underscores, and not one of {', '.join(sorted(RESERVED_OUTPUT_NAMES))}")
    if len(set(sources)) != len(sources):
        twice = next(name for name in sources if sources.count(name) > 1)
        raise RecipeError(f"{origin}: inputs: source {twice!r} appears twice; each source name once "
                          "(list several paths under one input)")
    _validate_heuristics(recipe, origin)
    inputs = tuple(
        dataclasses.replace(item, paths=tuple(_resolve(p, base_dir) for p in item.paths)) for item in recipe.inputs
    )
    output = recipe.output
    if output.shards < 1:
        raise RecipeError(f"{origin}: output.shards must be ≥ 1, got {output.shards}")
    path = _resolve(output.path, base_dir) if output.path else os.path.join("out", recipe.name)
    # Model and list files are paths in the recipe too; workers may run in another folder.
    langid = recipe.langid
    if langid is not None and langid.model != DEFAULT_MODEL:
        langid = dataclasses.replace(langid, model=_resolve(langid.model, base_dir))
    harmful = recipe.harmful
    if harmful is not None:
        harmful = dataclasses.replace(
            harmful,
            **{name: [entry if entry.split(":", 1)[0] == "default" else _resolve(entry, base_dir)
                      for entry in getattr(harmful, name)]
               for name in ("url_blocklist", "badwords") if getattr(harmful, name) is not None},
        )
    return dataclasses.replace(recipe, inputs=inputs, output=dataclasses.replace(output, path=path),
                               langid=langid, harmful=harmful)


def _heuristic_entry(entry: Any, origin: str) -> dict:
    if isinstance(entry, str):
        return {"preset": entry}
    if isinstance(entry, dict) and "preset" in entry:
        options = {k: v for k, v in entry.items() if k != "preset"}
        return {"preset": entry["preset"], "options": options}
    raise RecipeError(f"{origin}: heuristics: each entry is a preset name or a mapping with 'preset', got {entry!r}")


def _validate_heuristics(recipe: Recipe, origin: str) -> None:
    from dataprep.heuristics import make_heuristic

    presets = [entry.preset for entry in recipe.heuristics]
    for preset in presets:
        if presets.count(preset) > 1:
            # Its stage name keys the stats and labels the Beam step: twice would merge both.
            raise RecipeError(f"{origin}: heuristics: preset {preset!r} is listed twice; list it once "
                              "with the options you want")
    for entry in recipe.heuristics:
        try:
            make_heuristic(entry.preset, entry.options)
        except (KeyError, ValueError, TypeError) as error:
            message = error.args[0] if error.args else str(error)
            raise RecipeError(f"{origin}: heuristics: {message}") from None


def _resolve(path: str, base_dir: str) -> str:
    if "://" in path or os.path.isabs(path):
        return path
    return os.path.normpath(os.path.join(base_dir, path))


def _build(cls, data: Any, where: str):
    """Validate `data` into dataclass `cls`, naming the offending key on error."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RecipeError(f"{where}: expected a mapping, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise RecipeError(f"{where}: unknown key {unknown[0]!r} (valid keys: {', '.join(fields)})")
    hints = typing.get_type_hints(cls)
    values = {}
    for name, field in fields.items():
        if name in data:
            values[name] = _coerce(hints[name], data[name], f"{where}.{name}")
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise RecipeError(f"{where}: missing required key {name!r}")
    try:
        return cls(**values)
    except (TypeError, ValueError) as error:
        # A config's own checks (HarmfulConfig.__post_init__) are recipe errors too: one line,
        # not a traceback from deep inside the CLI.
        raise RecipeError(f"{where}: {error}") from None


def _coerce(hint, value: Any, where: str):
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (hint,) = [a for a in args if a is not type(None)]
        return _coerce(hint, value, where)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, where)
    if origin in (tuple, list):
        items = [value] if isinstance(value, (str, dict)) else value
        if not isinstance(items, (list, tuple)):
            raise RecipeError(f"{where}: expected a list, got {type(value).__name__}")
        # list[str] (HarmfulConfig) is checked like tuple[str, ...]: `badwords: [5]` is an
        # error here, not a TypeError on a worker.
        items = [_coerce(args[0], item, f"{where}[{i}]") for i, item in enumerate(items)]
        return tuple(items) if origin is tuple else items
    if hint is dict or origin is dict:
        if not isinstance(value, dict):
            raise RecipeError(f"{where}: expected a mapping, got {type(value).__name__}")
        if args:  # dict[str, float]: `thresholds: {zh: high}` fails here, not mid-pipeline
            return {_coerce(args[0], key, f"{where} key"): _coerce(args[1], item, f"{where}.{key}")
                    for key, item in value.items()}
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (str, int, float, bool):
        if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
            raise RecipeError(f"{where}: expected {hint.__name__}, got {value!r}")
        return value
    return value


def to_dict(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_dict(item) for item in obj]
    if isinstance(obj, dict):
        return {key: to_dict(value) for key, value in obj.items()}
    return obj


def describe(cls, prefix: str = "") -> list[str]:
    """`key: help (default)` lines for every field, recursing into nested configs."""
    lines = []
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        key = f"{prefix}{field.name}"
        hint = hints[field.name]
        inner = [a for a in typing.get_args(hint) if dataclasses.is_dataclass(a)]
        nested = hint if dataclasses.is_dataclass(hint) else (inner[0] if inner else None)
        if typing.get_origin(hint) is tuple and dataclasses.is_dataclass(typing.get_args(hint)[0]):
            nested = typing.get_args(hint)[0]
            key += "[]"
        default = ""
        if field.default is not dataclasses.MISSING:
            default = f" (default: {field.default!r})"
        elif field.default_factory is dataclasses.MISSING and nested is None:
            default = " (required)"
        lines.append(f"{key}: {field.metadata.get('help', '')}{default}")
        if nested is not None and nested is not cls:
            lines.extend(describe(nested, prefix=f"  {key}."))
    return lines
