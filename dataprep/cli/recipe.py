"""Recipes are data: a YAML file validated into typed, frozen dataclasses.

The recipe is the application's config, so its schema lives in the face layer and may use
every package's config classes. Every field is declared with `dataprep.config.option` and its
help text, which `dataprep recipe-help` prints, so the docs and the code cannot drift. An
unknown key is an error that names it and lists the valid ones. Relative paths in a recipe
resolve against the recipe's own folder, so a recipe works from any current directory.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from typing import Any

import yaml

from dataprep.config import ConfigError, build, option, to_dict
from dataprep.decontaminate import DecontaminateConfig, parse_benchmark
from dataprep.dedup import DedupConfig, parse_dedup_config
from dataprep.extract import ExtractConfig
from dataprep.harmful import HarmfulConfig
from dataprep.inputs import InputConfig, InputError
from dataprep.langid import DEFAULT_MODEL, LangIdConfig
from dataprep.lm import PerplexityConfig
from dataprep.quality import QualityConfig
from dataprep.quality import TrainConfig as FastTextTrainConfig
from tokenizer.job import TokenizeConfig
from tokenizer.train import TrainConfig


_SOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9_]*")
#: `quality.model` naming the model `quality.train` builds in the run, in <output>/quality_model.
TRAINED_MODEL = "trained"
QUALITY_MODEL_DIR = "quality_model"
#: `perplexity.models` naming the n-gram model `perplexity.train` builds in the run, in <output>/lm_model.
LM_MODEL_DIR = "lm_model"
#: Folders `dataprep run` writes next to the per-source ones.
RESERVED_OUTPUT_NAMES = frozenset({"dropped", "tokenizer", "tokens", QUALITY_MODEL_DIR, LM_MODEL_DIR})


def _under(output: str, folder: str) -> str:
    return os.path.join(output, folder) if "://" not in output else f"{output.rstrip('/')}/{folder}"


class RecipeError(ConfigError):
    """A recipe that cannot run; the message is one line meant for the user."""


@dataclasses.dataclass(frozen=True)
class OutputConfig:
    path: str = option("", "Output folder (local, gs://, s3://). Default: out/<recipe name>.")
    shards: int = option(4, "Parquet shards per source: a fixed count, so names never depend on workers.",
                         range=(1, None))
    write_dropped: bool = option(True, "Also write dropped documents, with drop_stage/drop_reason, for audits.")


@dataclasses.dataclass(frozen=True)
class HeuristicConfig:
    preset: str = option(help="gopher_quality, gopher_repetition, c4, fineweb or fineweb_code_dup.")
    options: dict = option(
        factory=dict, help="Overrides of the preset's thresholds (listed below per preset), as a mapping here or "
        "inline beside preset: {preset: c4, min_words_per_line: 3}.")


@dataclasses.dataclass(frozen=True)
class QualityTrainingConfig:
    positive: tuple[str, ...] = option(
        help="Reference-quality documents: Parquet/JSONL files or globs (LLaMA/RedPajama-v1: ~300k pages "
        "Wikipedia cites).")
    negative: tuple[str, ...] = option(
        help="Random documents of the crawl: Parquet/JSONL files or globs (RedPajama-v1: as many random CCNet "
        "pages).")
    fasttext: FastTextTrainConfig = option(
        factory=FastTextTrainConfig, help="fastText settings, as `dataprep train-quality --help` lists them.")


@dataclasses.dataclass(frozen=True)
class QualityStepConfig(QualityConfig):
    model: str = option(TRAINED_MODEL, f"fastText model file or `dataprep train-quality` folder (local, gs://); "
                        f"'{TRAINED_MODEL}' (default): the model `train` builds in this run, in "
                        f"<output>/{QUALITY_MODEL_DIR}.")
    train: QualityTrainingConfig | None = option(
        None, "Train the model first, in the run (a step of its own, skipped on a rerun): positives, "
        "negatives and fastText settings.")

    def __post_init__(self):
        super().__post_init__()
        if self.model == TRAINED_MODEL and self.train is None:
            raise ConfigError(f"model: '{TRAINED_MODEL}' needs train (positives and negatives), or name a model")

    def classifier(self, output: str) -> QualityConfig:
        """The stage's config, with the trained model's place under `output`."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(QualityConfig)}
        if self.model == TRAINED_MODEL:
            fields["model"] = _under(output, QUALITY_MODEL_DIR)
        return QualityConfig(**fields)


@dataclasses.dataclass(frozen=True)
class LmTrainingConfig:
    corpus: tuple[str, ...] = option(
        help="Text to train the n-gram model on: Parquet/JSONL files or globs (CCNet: that language's Wikipedia).")
    order: int = option(5, "N-gram order (CCNet: 5).", range=(1, 10))
    vocab_size: int = option(8000, "Pieces of the model's own SentencePiece tokenizer, trained on the corpus.",
                             range=(260, None))
    prune: bool = option(False, "Prune singletons of order ≥ 3 (lmplz --prune 0 0 1).")


@dataclasses.dataclass(frozen=True)
class PerplexityStepConfig(PerplexityConfig):
    models: dict[str, str] = option(
        factory=lambda: {"*": TRAINED_MODEL}, help=f"Language (metadata.lang) → a `dataprep train-lm` folder; `*` "
        f"serves every other language; '{TRAINED_MODEL}' (the default for `*`): the model `train` builds in this "
        f"run, in <output>/{LM_MODEL_DIR}.")
    train: LmTrainingConfig | None = option(
        None, "Train the n-gram model first, in the run (a step of its own, skipped on a rerun).")

    def __post_init__(self):
        super().__post_init__()
        if TRAINED_MODEL in self.models.values() and self.train is None:
            raise ConfigError(f"models: '{TRAINED_MODEL}' needs train (a corpus), or name train-lm folders")

    def stage_config(self, output: str) -> PerplexityConfig:
        """The stage's config, with the trained model's place under `output`."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(PerplexityConfig)}
        fields["models"] = {lang: _under(output, LM_MODEL_DIR) if folder == TRAINED_MODEL else folder
                            for lang, folder in self.models.items()}
        return PerplexityConfig(**fields)


@dataclasses.dataclass(frozen=True)
class DecontaminateStepConfig(DecontaminateConfig):
    benchmarks: tuple[str, ...] = option(
        (), "Test sets to remove: shipped names (humaneval) or NAME=PATH (JSONL, JSONL.gz or Parquet files, "
        "a glob or a folder).")

    def __post_init__(self):
        super().__post_init__()
        if not self.benchmarks:
            raise ConfigError("benchmarks: name at least one test set (e.g. humaneval)")
        for spec in self.benchmarks:
            try:
                parse_benchmark(spec)
            except InputError as error:
                raise ConfigError(f"benchmarks: {error}") from None

    def stage_config(self) -> DecontaminateConfig:
        return DecontaminateConfig(**{f.name: getattr(self, f.name) for f in dataclasses.fields(DecontaminateConfig)})


@dataclasses.dataclass(frozen=True)
class Recipe:
    name: str = option(help="Recipe name: names the default output folder.")
    inputs: tuple[InputConfig, ...] = option(help="What to read, per source.")
    output: OutputConfig = option(factory=OutputConfig, help="Where results go.")
    extract: ExtractConfig = option(factory=ExtractConfig, help="HTML → text (warc and html inputs).")
    harmful: HarmfulConfig | None = option(factory=HarmfulConfig, help="URL blocklist and bad words; null disables.")
    langid: LangIdConfig | None = option(factory=LangIdConfig, help="fastText language ID; null disables.")
    heuristics: tuple[HeuristicConfig, ...] = option(
        (), "Heuristic filters in order: preset names or {preset: ..., <option>: ...}.")
    perplexity: PerplexityStepConfig | None = option(
        None, "CCNet's n-gram perplexity after the heuristics: metadata.perplexity and a head/middle/tail bucket "
        "(per-language 30/60 percentiles, or given cut-offs), keep buckets or max_perplexity; null or absent: none.")
    quality: QualityStepConfig | None = option(
        None, "fastText quality classifier after the heuristics: metadata.quality.<name> on every document, and "
        "a keep rule (min_score, keep_top_fraction per source, pareto) or mode: score; null or absent: none.")
    dedup: DedupConfig | None = option(
        None, "Deduplication after the heuristic filters: exact, URL, MinHash, lines "
        "(`preset: books` for Jaccard ≥ 0.9 on long documents); null or absent: none.")
    decontaminate: DecontaminateStepConfig | None = option(
        None, "Remove benchmark test sets after dedup (GPT-3: 13-gram spans ± 200 characters), with "
        "contamination.json; null or absent: none.")
    tokenizer: TrainConfig | None = option(
        None, "Train a sentencepiece BPE tokenizer on the written corpus (into <output>/tokenizer); "
        "null or absent: no tokenizer, no token shards.")
    tokenize: TokenizeConfig = option(
        factory=TokenizeConfig, help="Token shards written with the trained tokenizer (into <output>/tokens).")

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
    if os.path.isdir(path):
        raise RecipeError(f"{path} is a folder, not a recipe file")
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except FileNotFoundError:
        raise RecipeError(f"recipe not found: {path}") from None
    except UnicodeDecodeError as error:
        raise RecipeError(f"{path}: not UTF-8 text (byte {error.object[error.start]:#04x} at offset "
                          f"{error.start}); save the recipe as UTF-8") from None
    except yaml.YAMLError as error:
        raise RecipeError(f"{path}: not valid YAML: {_yaml_problem(error)}") from None
    except OSError as error:
        raise RecipeError(f"cannot read recipe {path}: {error.strerror or error}") from None
    if not isinstance(data, dict):
        raise RecipeError(f"{path}: a recipe is a YAML mapping, got {type(data).__name__}")
    return parse_recipe(data, base_dir=os.path.dirname(os.path.abspath(path)), origin=path)


def _yaml_problem(error: yaml.YAMLError) -> str:
    """PyYAML's several-line message as one line that keeps where the problem is."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None)
    if mark is None or problem is None:
        return " ".join(str(error).split())
    context = getattr(error, "context", None)
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}" + (f" ({context})" if context else "")


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
        recipe = dataclasses.replace(build(Recipe, data, origin), dedup=dedup)
    except (ValueError, TypeError) as error:
        raise RecipeError(str(error)) from None
    if not recipe.inputs:
        raise RecipeError(f"{origin}: inputs: at least one input is needed")
    for index, item in enumerate(recipe.inputs):
        if not item.paths:
            raise RecipeError(f"{origin}.inputs[{index}].paths: at least one file or glob is needed "
                              f"(input {item.source!r})")
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
    if recipe.langid is not None and recipe.langid.model == DEFAULT_MODEL and recipe.langid.languages:
        # The bundled model's labels are known now; a user's model is checked at preflight.
        from dataprep.langid import check_languages, load_model, model_languages

        try:
            check_languages(recipe.langid.languages, model_languages(load_model(DEFAULT_MODEL)), DEFAULT_MODEL,
                            f"{origin}.langid.languages")
        except ConfigError as error:
            raise RecipeError(str(error)) from None
    inputs = tuple(
        dataclasses.replace(item, paths=tuple(_resolve(p, base_dir) for p in item.paths)) for item in recipe.inputs
    )
    output = recipe.output
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
    quality = recipe.quality
    if quality is not None:
        train = quality.train
        if train is not None:
            train = dataclasses.replace(train, positive=tuple(_resolve(p, base_dir) for p in train.positive),
                                        negative=tuple(_resolve(p, base_dir) for p in train.negative))
        model = quality.model if quality.model == TRAINED_MODEL else _resolve(quality.model, base_dir)
        quality = dataclasses.replace(quality, model=model, train=train)
    perplexity = recipe.perplexity
    if perplexity is not None:
        train = perplexity.train
        if train is not None:
            train = dataclasses.replace(train, corpus=tuple(_resolve(p, base_dir) for p in train.corpus))
        perplexity = dataclasses.replace(perplexity, train=train, models={
            lang: folder if folder == TRAINED_MODEL else _resolve(folder, base_dir)
            for lang, folder in perplexity.models.items()})
    decontaminate = recipe.decontaminate
    if decontaminate is not None:
        decontaminate = dataclasses.replace(decontaminate, benchmarks=tuple(
            spec if "=" not in spec else f"{spec.split('=', 1)[0]}={_resolve(spec.split('=', 1)[1], base_dir)}"
            for spec in decontaminate.benchmarks))
    return dataclasses.replace(recipe, inputs=inputs, output=dataclasses.replace(output, path=path),
                               langid=langid, harmful=harmful, perplexity=perplexity, quality=quality,
                               decontaminate=decontaminate)


def _heuristic_entry(entry: Any, origin: str) -> dict:
    if isinstance(entry, str):
        return {"preset": entry}
    if isinstance(entry, dict) and "preset" in entry:
        options = {k: v for k, v in entry.items() if k not in ("preset", "options")}
        nested = entry.get("options") or {}
        if not isinstance(nested, dict):
            raise RecipeError(f"{origin}: heuristics: options of {entry['preset']!r} must be a mapping, got {nested!r}")
        twice = sorted(set(options) & set(nested))
        if twice:
            raise RecipeError(f"{origin}: heuristics: {twice[0]!r} is given both inline and under options")
        return {"preset": entry["preset"], "options": {**nested, **options}}
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


