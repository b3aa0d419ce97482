"""Recipes: YAML files validated into frozen dataclasses, with errors that name the key."""

from __future__ import annotations

import dataclasses
import os
import re
import textwrap

import pytest

from dataprep.extract import ExtractConfig
from dataprep.harmful import HarmfulConfig
from dataprep.langid import LangIdConfig
from dataprep.cli.recipe import HeuristicConfig, OutputConfig, Recipe, RecipeError, load_recipe, parse_recipe
from dataprep.config import describe, to_dict
from dataprep.inputs import InputConfig

VALID = """\
name: tiny
inputs:
  - source: web
    format: warc
    paths: [crawl/*.warc.gz, /abs/more.warc.gz, gs://bucket/cc/*.warc.gz]
  - source: books
    format: jsonl
    paths: books.jsonl.zst
    text_field: content
    id_field: book_id
output:
  path: out/here
  shards: 2
  write_dropped: false
extract:
  timeout_s: 3
  favor_precision: true
harmful:
  badwords: [default, lists/extra_words.txt]
  url_blocklist: null
langid:
  languages: [en, de]
  threshold: 0.5
  thresholds: {zh: 0.3}
heuristics:
  - gopher_quality
  - preset: c4
    min_words_per_line: 3
"""


def write(folder, text: str, name: str = "recipe.yaml") -> str:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def minimal(**overrides) -> dict:
    data = {"name": "t", "inputs": [{"source": "web", "format": "warc", "paths": ["a.warc.gz"]}]}
    data.update(overrides)
    return data


def error_of(data: dict) -> str:
    with pytest.raises(RecipeError) as error:
        parse_recipe(data, base_dir="/base", origin="r.yaml")
    message = str(error.value)
    assert "\n" not in message  # one line, for the CLI
    return message


# --- loading ------------------------------------------------------------------------------


def test_valid_recipe_loads_into_dataclasses(tmp_path):
    recipe = load_recipe(write(tmp_path, VALID))

    assert isinstance(recipe, Recipe) and recipe.name == "tiny"
    web, books = recipe.inputs
    assert isinstance(web, InputConfig)
    assert (web.source, web.format, web.text_field, web.url_field, web.id_field) == (
        "web", "warc", "text", "url", "id")
    assert (books.source, books.format, books.text_field, books.id_field) == ("books", "jsonl", "content", "book_id")
    assert recipe.output == OutputConfig(path=str(tmp_path / "out" / "here"), shards=2, write_dropped=False)
    assert recipe.extract == ExtractConfig(timeout_s=3.0, favor_precision=True)
    assert isinstance(recipe.extract.timeout_s, float)  # YAML's 3 is an int; the field is float
    assert isinstance(recipe.harmful, HarmfulConfig) and recipe.harmful.url_blocklist is None
    assert recipe.langid == LangIdConfig(languages=("en", "de"), threshold=0.5, thresholds={"zh": 0.3})
    assert recipe.heuristics == (
        HeuristicConfig(preset="gopher_quality", options={}),
        HeuristicConfig(preset="c4", options={"min_words_per_line": 3}),
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        recipe.name = "other"


def test_relative_paths_resolve_against_the_recipe_folder(tmp_path, monkeypatch):
    folder = tmp_path / "recipes" / "v1"
    folder.mkdir(parents=True)
    path = write(folder, VALID)
    monkeypatch.chdir(tmp_path)  # somewhere else entirely
    recipe = load_recipe(os.path.relpath(path))

    assert recipe.inputs[0].paths == (
        str(folder / "crawl" / "*.warc.gz"), "/abs/more.warc.gz", "gs://bucket/cc/*.warc.gz")
    assert recipe.inputs[1].paths == (str(folder / "books.jsonl.zst"),)  # a single path is a list of one
    assert recipe.output.path == str(folder / "out" / "here")
    # List and model files are paths too; bundled names ("default", "default:de") are not.
    assert recipe.harmful.badwords == ["default", str(folder / "lists" / "extra_words.txt")]


def test_relative_model_path_resolves_and_default_stays(tmp_path):
    recipe = load_recipe(write(tmp_path, VALID.replace("  languages: [en, de]", "  model: models/lid.bin")))
    assert recipe.langid.model == str(tmp_path / "models" / "lid.bin")
    assert load_recipe(write(tmp_path, VALID, "b.yaml")).langid.model == "default"


def test_defaults(tmp_path):
    recipe = parse_recipe(minimal(), base_dir=str(tmp_path))
    assert recipe.output.path == os.path.join("out", "t")
    assert recipe.output.shards == 4 and recipe.output.write_dropped is True
    assert recipe.extract == ExtractConfig()
    assert recipe.langid == LangIdConfig() and recipe.harmful == HarmfulConfig()
    assert recipe.heuristics == ()


def test_null_disables_a_stage():
    recipe = parse_recipe(minimal(langid=None, harmful=None))
    assert recipe.langid is None and recipe.harmful is None


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(RecipeError, match="recipe not found: .*nope.yaml"):
        load_recipe(str(tmp_path / "nope.yaml"))
    with pytest.raises(RecipeError, match="not valid YAML"):
        load_recipe(write(tmp_path, "name: [unclosed\n"))
    with pytest.raises(RecipeError, match="a recipe is a YAML mapping, got list"):
        load_recipe(write(tmp_path, "- a\n- b\n"))


# --- errors that name the key ---------------------------------------------------------------


def test_unknown_top_level_key():
    message = error_of(minimal(langid_model="x"))
    assert "unknown key 'langid_model'" in message
    assert "valid keys: name, inputs, output, extract, harmful, langid, heuristics" in message


def test_unknown_nested_key_names_its_path():
    message = error_of(minimal(langid={"treshold": 0.5}))
    assert message.startswith("r.yaml.langid: unknown key 'treshold'")
    assert "threshold" in message.split("valid keys:")[1]
    assert "r.yaml.inputs[0]: unknown key 'txt_field'" in error_of(
        minimal(inputs=[{"source": "web", "format": "warc", "paths": ["a"], "txt_field": "t"}]))


def test_unknown_key_in_a_loaded_file_names_the_file(tmp_path):
    path = write(tmp_path, VALID.replace("  shards: 2", "  shard: 2"))
    with pytest.raises(RecipeError, match=r"recipe\.yaml\.output: unknown key 'shard'"):
        load_recipe(path)


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"output": {"shards": "four"}}, "r.yaml.output.shards: expected int, got 'four'"),
        ({"output": {"shards": True}}, "r.yaml.output.shards: expected int, got True"),
        ({"output": {"shards": 2.5}}, "r.yaml.output.shards: expected int, got 2.5"),
        ({"langid": {"threshold": "high"}}, "r.yaml.langid.threshold: expected float, got 'high'"),
        ({"langid": {"thresholds": {"zh": "high"}}}, "r.yaml.langid.thresholds.zh: expected float, got 'high'"),
        ({"langid": {"thresholds": [0.5]}}, "r.yaml.langid.thresholds: expected a mapping, got list"),
        ({"langid": "en"}, "r.yaml.langid: expected a mapping, got str"),
        ({"extract": {"isolate": "yes"}}, "r.yaml.extract.isolate: expected bool, got 'yes'"),
        ({"harmful": {"badwords": 5}}, "r.yaml.harmful.badwords: expected a list, got int"),
        ({"harmful": {"badwords": ["default", 5]}}, "r.yaml.harmful.badwords[1]: expected str, got 5"),
        ({"harmful": {"badwords_max_fraction": 2.0}}, "r.yaml.harmful.badwords_max_fraction: must be in [0, 1], got 2.0"),
        ({"name": 5}, "r.yaml.name: expected str, got 5"),
        ({"inputs": 5}, "r.yaml.inputs: expected a list, got int"),
        ({"heuristics": 5}, "r.yaml.heuristics: expected a list, got int"),
    ],
)
def test_wrong_type_names_the_field(overrides, expected):
    assert expected in error_of(minimal(**overrides))


def test_missing_required_keys():
    assert "missing required key 'name'" in error_of({"inputs": minimal()["inputs"]})
    assert "missing required key 'inputs'" in error_of({"name": "t"})
    message = error_of(minimal(inputs=[{"source": "web", "paths": ["a"]}]))
    assert message == "r.yaml.inputs[0]: missing required key 'format'"


def test_input_checks():
    assert "at least one input" in error_of(minimal(inputs=[]))
    assert "format: 'csv' is not one of warc, html, jsonl, parquet" in error_of(
        minimal(inputs=[{"source": "web", "format": "csv", "paths": ["a"]}]))
    assert "output.shards: must be ≥ 1, got 0" in error_of(minimal(output={"shards": 0}))


def test_duplicate_source_names():
    inputs = [{"source": "web", "format": "warc", "paths": ["a"]},
              {"source": "books", "format": "jsonl", "paths": ["b"]},
              {"source": "web", "format": "html", "paths": ["c"]}]
    message = error_of(minimal(inputs=inputs))
    assert "source 'web' appears twice" in message


# --- heuristics -----------------------------------------------------------------------------


def test_heuristic_entries_as_names_and_mappings():
    recipe = parse_recipe(minimal(heuristics=[
        "gopher_repetition",
        {"preset": "fineweb", "short_line_thr": 0.5},
        {"preset": "gopher_quality", "min_doc_words": 20, "per_language": {"de": {"min_doc_words": 30}}},
    ]))
    assert [h.preset for h in recipe.heuristics] == ["gopher_repetition", "fineweb", "gopher_quality"]
    assert recipe.heuristics[1].options == {"short_line_thr": 0.5}
    assert recipe.heuristics[2].options == {"min_doc_words": 20, "per_language": {"de": {"min_doc_words": 30}}}


def test_a_single_heuristic_without_a_list():
    assert parse_recipe(minimal(heuristics="c4")).heuristics == (HeuristicConfig("c4", {}),)


@pytest.mark.parametrize(
    "entry, expected",
    [
        ("gopher_qualty", "unknown heuristic preset 'gopher_qualty'"),
        ({"preset": "c4", "min_wrods_per_line": 3}, "c4: unknown option 'min_wrods_per_line'"),
        ({"preset": "c4", "min_words_per_line": "three"}, "c4.min_words_per_line: expected int"),
        ({"preset": "gopher_quality", "per_language": {"de": {"min_dok_words": 1}}},
         "gopher_quality.per_language.de: unknown option 'min_dok_words'"),
        ({"min_words_per_line": 3}, "each entry is a preset name or a mapping with 'preset'"),
        (5, "each entry is a preset name or a mapping with 'preset'"),
    ],
)
def test_bad_heuristics(entry, expected):
    message = error_of(minimal(heuristics=[entry]))
    assert message.startswith("r.yaml: heuristics: ")
    assert expected in message


def test_presets_come_from_the_heuristics_module():
    # Presets come from dataprep.heuristics; its field list is the truth, not a copy here.
    from dataprep.heuristics import PRESETS

    assert {"gopher_quality", "gopher_repetition", "c4", "fineweb"} <= set(PRESETS)
    assert "unknown option 'nope'" in error_of(minimal(heuristics=[{"preset": "fineweb", "nope": 1}]))


# --- config hash ------------------------------------------------------------------------------


def test_config_hash_equal_for_equal_recipes(tmp_path):
    a = load_recipe(write(tmp_path, VALID, "a.yaml"))
    b = load_recipe(write(tmp_path, VALID, "b.yaml"))  # another file, same content and folder
    assert a == b and a.config_hash() == b.config_hash()
    assert len(a.config_hash()) == 16 and int(a.config_hash(), 16) >= 0
    # The same values spelled differently in YAML (int vs float, one path vs a list) hash equal.
    c = load_recipe(write(tmp_path, VALID.replace("threshold: 0.5", "threshold: 0.50")
                          .replace("timeout_s: 3", "timeout_s: 3.0")
                          .replace("paths: books.jsonl.zst", "paths: [books.jsonl.zst]"), "c.yaml"))
    assert c.config_hash() == a.config_hash()


@pytest.mark.parametrize("old, new", [
    ("threshold: 0.5", "threshold: 0.55"),
    ("thresholds: {zh: 0.3}", "thresholds: {zh: 0.31}"),
    ("min_words_per_line: 3", "min_words_per_line: 4"),
    ("shards: 2", "shards: 3"),
    ("  - gopher_quality\n", ""),
])
def test_config_hash_changes_with_any_setting(tmp_path, old, new):
    assert old in VALID
    base = load_recipe(write(tmp_path, VALID, "a.yaml"))
    changed = load_recipe(write(tmp_path, VALID.replace(old, new), "b.yaml"))
    assert changed.config_hash() != base.config_hash()


# --- help -------------------------------------------------------------------------------------


def test_describe_mentions_every_key():
    lines = describe(Recipe)
    tops = [line.split(":", 1)[0] for line in lines if not line.startswith(" ")]
    assert [key.rstrip("[]") for key in tops] == [f.name for f in dataclasses.fields(Recipe)]
    text = "\n".join(lines)
    for cls, prefix in [(InputConfig, "inputs[]."), (OutputConfig, "output."), (ExtractConfig, "extract."),
                        (LangIdConfig, "langid."), (HarmfulConfig, "harmful.")]:
        for field in dataclasses.fields(cls):
            assert f"  {prefix}{field.name}: " in text
    assert "name: Recipe name" in text and "(required)" in text
    assert "output.shards: Parquet shards per source" in text and "(default: 4)" in text


@pytest.mark.parametrize("name", ["dropped", "tokens", "../escape", "Web", "a/b", ""])
def test_source_names_are_plain_folder_names_and_not_ours(name):
    data = minimal(inputs=[{"source": name, "format": "warc", "paths": ["a.warc.gz"]}])
    assert repr(name) in error_of(data)


def test_a_heuristic_preset_listed_twice_is_an_error():
    message = error_of(minimal(heuristics=["gopher_quality", "c4", {"preset": "gopher_quality", "min_doc_words": 20}]))
    assert "'gopher_quality' is listed twice" in message


# --- checked ranges (every numeric field) and language codes --------------------------------


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"extract": {"timeout_s": 0}}, "r.yaml.extract: timeout_s: must be > 0, got 0.0"),
        ({"extract": {"timeout_s": -1}}, "r.yaml.extract: timeout_s: must be > 0, got -1.0"),
        ({"extract": {"timeout_s": float("inf")}}, "r.yaml.extract.timeout_s: must be ≤ 86400.0, got inf"),
        ({"extract": {"max_html_bytes": 0}}, "r.yaml.extract.max_html_bytes: must be ≥ 1, got 0"),
        ({"langid": {"threshold": 1.5}}, "r.yaml.langid.threshold: must be in [0, 1], got 1.5"),
        ({"langid": {"threshold": float("nan")}}, "r.yaml.langid.threshold: must be in [0, 1], got nan"),
        ({"langid": {"thresholds": {"zh": -0.1}}}, "r.yaml.langid: thresholds.zh: must be in [0, 1], got -0.1"),
        ({"langid": {"thresholds": {"zh": float("nan")}}}, "r.yaml.langid: thresholds.zh: must be in [0, 1], got nan"),
        ({"heuristics": [{"preset": "gopher_quality", "min_doc_words": -10}]},
         "r.yaml: heuristics: gopher_quality.min_doc_words: must be ≥ 0, got -10"),
        ({"heuristics": [{"preset": "fineweb", "short_line_thr": 1.2}]},
         "r.yaml: heuristics: fineweb.short_line_thr: must be in [0, 1], got 1.2"),
        ({"heuristics": [{"preset": "gopher_repetition", "max_top_ngram_char_frac": {2: 1.5}}]},
         "r.yaml: heuristics: gopher_repetition.max_top_ngram_char_frac.2: must be in [0, 1], got 1.5"),
        ({"heuristics": [{"preset": "gopher_repetition", "max_dup_ngram_char_frac": {5: float("nan")}}]},
         "r.yaml: heuristics: gopher_repetition.max_dup_ngram_char_frac.5: must be in [0, 1], got nan"),
        ({"tokenizer": {"vocab_size": -1}}, "r.yaml.tokenizer.vocab_size: must be ≥ 1, got -1"),
        ({"tokenizer": {"vocab_size": 8000}, "tokenize": {"shard_tokens": 0}},
         "r.yaml.tokenize.shard_tokens: must be ≥ 1, got 0"),
        ({"inputs": [{"source": "web", "format": "warc", "paths": []}]},
         "r.yaml.inputs[0].paths: at least one file or glob is needed (input 'web')"),
    ],
)
def test_every_numeric_field_is_range_checked(overrides, expected):
    assert error_of(minimal(**overrides)) == expected


def test_range_edges_are_accepted():
    recipe = parse_recipe(minimal(extract={"timeout_s": 0.001, "max_html_bytes": 1},
                                  langid={"threshold": 0, "thresholds": {"zh": 1}}))
    assert recipe.extract.timeout_s == 0.001 and recipe.langid.thresholds == {"zh": 1.0}


def test_configs_built_in_code_are_checked_too():
    from dataprep.config import ConfigError

    with pytest.raises(ConfigError, match=r"^timeout_s: must be > 0, got 0$"):
        ExtractConfig(timeout_s=0)
    with pytest.raises(ConfigError, match=r"^thresholds\.de: must be in \[0, 1\], got 2$"):
        LangIdConfig(thresholds={"de": 2})


@pytest.mark.parametrize(
    "languages, expected",
    [
        (["english", "xx"], "'english' is not a language of the bundled lid.176.ftz (did you mean 'en'?)"),
        (["en", "xx"], "'xx' is not a language of the bundled lid.176.ftz; it knows 176 codes"),
        (["EN"], "'EN' is not a language of the bundled lid.176.ftz (did you mean 'en'?)"),
        (["zh_Hant"], "'zh_Hant' is not a language of the bundled lid.176.ftz (did you mean 'zh'?)"),
    ],
)
def test_unknown_language_codes_are_named_with_a_close_match(languages, expected):
    # Before, every document was silently dropped as langid_unwanted_language.
    message = error_of(minimal(langid={"languages": languages}))
    assert message.startswith(f"r.yaml.langid.languages: {expected}")


def test_every_code_of_the_bundled_model_is_accepted():
    recipe = parse_recipe(minimal(langid={"languages": ["als", "yue", "wuu", "en"]}))
    assert recipe.langid.languages == ("als", "yue", "wuu", "en")


# --- recipe-help and the parser share one schema --------------------------------------------


def _printed_keys(capsys) -> list[str]:
    """The key paths `dataprep recipe-help` prints for the recipe (not the preset option lists)."""
    from dataprep.cli import main

    assert main(["recipe-help"]) == 0
    text = capsys.readouterr().out
    recipe_part = text.split("\nheuristics preset ", 1)[0]
    return [line.strip().split(":", 1)[0] for line in recipe_part.splitlines()[1:] if line.strip()]


def _default_at(path: list[str]):
    """The schema default of a printed key path, walking the dataclasses recipe-help walked."""
    import typing

    cls = Recipe
    for name in path:
        field = {f.name: f for f in dataclasses.fields(cls)}[name.rstrip("[]")]
        hint = typing.get_type_hints(cls)[field.name]
        inner = [a for a in (hint, *typing.get_args(hint)) if dataclasses.is_dataclass(a)]
        if not inner and typing.get_origin(hint) is tuple:
            inner = [a for a in typing.get_args(hint) if dataclasses.is_dataclass(a)]
        if name is path[-1]:
            if field.default is not dataclasses.MISSING:
                return field.default
            return field.default_factory() if field.default_factory is not dataclasses.MISSING else None
        cls = inner[0]


COMPANIONS = {"quality": {"mode": "score", "train": {"positive": ["p.jsonl"], "negative": ["n.jsonl"]}},
              "perplexity": {"train": {"corpus": ["wiki.jsonl"]}},
              "decontaminate": {"benchmarks": ["humaneval"]}}


def test_every_key_recipe_help_prints_is_accepted_by_the_parser(capsys):
    keys = _printed_keys(capsys)
    assert "heuristics[].options" in keys and "output.shards" in keys and "langid.threshold" in keys
    required = {"name": "t", "inputs[].source": "web", "inputs[].format": "warc", "inputs[].paths": ["a.warc.gz"],
                "heuristics[].preset": "c4"}
    for key in keys:
        if key.endswith("[]"):
            continue  # a list of entries: its keys are printed (and tried) one by one
        path = key.split(".")
        value = required.get(key, to_dict(_default_at(path)))  # as YAML would spell it
        data = minimal(heuristics=[{"preset": "c4"}])
        if value is None and key not in required:
            continue  # a null default means "off": nothing to spell out
        if key.startswith("inputs[]."):
            data["inputs"][0][path[1]] = value
        elif key.startswith("heuristics[]."):
            data["heuristics"][0][path[1]] = value
        elif len(path) == 1:
            data[key] = value
        else:
            node = data
            for part in path[:-1]:
                node = node.setdefault(part, {})
            node[path[-1]] = value
        if path[0] in COMPANIONS:  # blocks with required companions get them, the key on top
            data[path[0]] = {**COMPANIONS[path[0]], **data.get(path[0], {})}
        try:
            parse_recipe(data, base_dir="/base", origin="r.yaml")
        except RecipeError as error:
            # A default may clash with a companion (quality.mode filter needs a rule): fine. A key
            # or a value's type the parser refuses is the defect this test is for.
            assert not re.search(r"unknown (key|option)|expected ", str(error)), (key, str(error))


def test_heuristic_options_as_a_mapping_or_inline_are_the_same():
    inline = parse_recipe(minimal(heuristics=[{"preset": "c4", "min_words_per_line": 3}]))
    nested = parse_recipe(minimal(heuristics=[{"preset": "c4", "options": {"min_words_per_line": 3}}]))
    assert inline == nested and inline.config_hash() == nested.config_hash()
    assert "given both inline and under options" in error_of(
        minimal(heuristics=[{"preset": "c4", "min_words_per_line": 3, "options": {"min_words_per_line": 4}}]))


# --- quality classifier and decontamination blocks --------------------------------------------


def test_a_quality_block_trains_in_the_run_or_names_a_model():
    trained = parse_recipe(minimal(quality={"mode": "score", "train": {"positive": ["good/*.jsonl"],
                                                                     "negative": "bad.parquet"}}), base_dir="/base")
    assert trained.quality.model == "trained"
    assert trained.quality.train.positive == ("/base/good/*.jsonl",) and trained.quality.train.negative == (
        "/base/bad.parquet",)
    assert trained.quality.classifier("/out/run").model == "/out/run/quality_model"
    named = parse_recipe(minimal(quality={"model": "models/q.bin", "min_score": 0.25}), base_dir="/base")
    assert named.quality.classifier("/out/run").model == "/base/models/q.bin"
    # The output folder is not part of the identity: a moved folder keeps its config hash.
    assert "quality_model" not in str(trained.identity())


@pytest.mark.parametrize("quality, expected", [
    ({"mode": "score"}, "model: 'trained' needs train"),
    ({"model": "q.bin"}, "mode filter needs exactly one of"),
    ({"model": "q.bin", "mode": "score", "min_score": 0.3}, "mode score writes scores only"),
    ({"model": "q.bin", "min_score": 1.5}, "min_score: must be in [0, 1]"),
    ({"model": "q.bin", "mode": "score", "train": {"positive": ["p"]}}, "missing required key 'negative'"),
])
def test_bad_quality_blocks_are_one_line_errors(quality, expected):
    assert expected in error_of(minimal(quality=quality))


def test_a_decontaminate_block_names_shipped_or_local_benchmarks():
    recipe = parse_recipe(minimal(decontaminate={"benchmarks": ["humaneval", "mine=tests/mine.jsonl"], "ngram": 8,
                                                 "min_words": 8}), base_dir="/base")
    assert recipe.decontaminate.benchmarks == ("humaneval", "mine=/base/tests/mine.jsonl")
    assert recipe.decontaminate.stage_config().ngram == 8
    assert "benchmarks: name at least one test set" in error_of(minimal(decontaminate={"ngram": 13}))
    assert "expected NAME=PATH or a shipped benchmark" in error_of(minimal(decontaminate={"benchmarks": ["mmlu"]}))


def test_a_perplexity_block_trains_in_the_run_or_names_train_lm_folders():
    trained = parse_recipe(minimal(perplexity={"train": {"corpus": ["wiki/*.jsonl"], "vocab_size": 4000},
                                               "keep": ["head", "middle"]}), base_dir="/base")
    assert trained.perplexity.models == {"*": "trained"}
    assert trained.perplexity.train.corpus == ("/base/wiki/*.jsonl",)
    assert trained.perplexity.stage_config("/out/run").models == {"*": "/out/run/lm_model"}
    named = parse_recipe(minimal(perplexity={"models": {"en": "lm/en", "de": "/abs/de"}, "cutoffs": {"en": [10, 20]}}),
                         base_dir="/base")
    assert named.perplexity.stage_config("/o").models == {"en": "/base/lm/en", "de": "/abs/de"}
    assert "models: 'trained' needs train" in error_of(minimal(perplexity={"keep": ["head"]}))
    assert "vocab_size: must be ≥ 260" in error_of(minimal(perplexity={"train": {"corpus": ["w"], "vocab_size": 10}}))
