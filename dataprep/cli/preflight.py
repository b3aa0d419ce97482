"""Everything a run needs, checked before its graph is built and before any record is read.

An error an hour into a run is a defect (DESIGN §4): a missing list file used to surface in the
first worker's `setup()`, an unwritable output folder after every page had been extracted, a
`gs://` path without the GCP extras as Beam's "Unable to get filesystem" deep in a traceback.
Each check here raises `UsageError` with one line naming the path or key, in the order a user
would fix them; the output folder is created last, so a failed preflight leaves it empty.
"""

from __future__ import annotations

import os
import tempfile

from dataprep import fs
from dataprep.cli.errors import UsageError

# scheme → (the Beam module its filesystem needs, the extra that installs it)
_REMOTE_EXTRAS = {
    "gs": ("apache_beam.io.gcp.gcsfilesystem", "gcp"),
    "s3": ("apache_beam.io.aws.s3io", "aws"),
}


def recipe_paths(recipe) -> list[str]:
    """Every path a run of `recipe` reads or writes (inputs, output, model, list files)."""
    paths = [path for item in recipe.inputs for path in item.paths] + [recipe.output.path]
    if recipe.langid is not None:
        paths.append(recipe.langid.model)
    if recipe.harmful is not None:
        paths += [entry for name in ("url_blocklist", "badwords") for entry in getattr(recipe.harmful, name) or ()]
    return paths


def check_remote_support(paths: list[str]) -> None:
    """`gs://` / `s3://` need Beam's optional extras; without them Beam fails at the first read."""
    for path in paths:
        scheme = path.split("://", 1)[0].lower() if "://" in path else ""
        if scheme not in _REMOTE_EXTRAS:
            continue
        module, extra = _REMOTE_EXTRAS[scheme]
        try:
            imported = __import__(module, fromlist=["_"])
        except ImportError as error:
            raise UsageError(f"{path}: {scheme}:// needs Beam's {extra.upper()} support ({error}): "
                             f"pip install 'dataprep[{extra}]'") from None
        if scheme == "s3" and not getattr(imported, "BOTO3_INSTALLED", True):
            # Beam's S3 module imports without boto3 and fails only at the first request.
            raise UsageError(f"{path}: s3:// needs Beam's AWS support (boto3 is not installed): "
                             f"pip install 'dataprep[{extra}]'")


def check_langid(config) -> None:
    """The model loads, and it can predict every language the recipe keeps."""
    from dataprep.config import ConfigError
    from dataprep.langid import DEFAULT_MODEL, check_languages, load_model, model_languages

    try:
        model = load_model(config.model)
    except FileNotFoundError as error:
        raise UsageError(str(error).splitlines()[0]) from None
    except Exception as error:  # noqa: BLE001 - fastText's ValueError, Beam IO errors: one line for the user
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UsageError(f"language ID model {config.model} does not load as a fastText model: {detail}") from None
    if config.model != DEFAULT_MODEL:  # the bundled model's labels were checked with the recipe
        try:
            check_languages(config.languages, model_languages(model), config.model, "langid.languages")
        except ConfigError as error:
            raise UsageError(str(error)) from None


def check_lists(config) -> None:
    """Every bad-words and URL-blocklist file exists, reads and is UTF-8."""
    from dataprep.harmful.lists import read_lists

    for what in ("url_blocklist", "badwords"):
        entries = getattr(config, what)
        if entries:
            try:
                read_lists(entries, what)
            except (OSError, ValueError) as error:
                raise UsageError(str(error).splitlines()[0]) from None


def check_output(path: str) -> None:
    """The output folder exists (created now) and takes a file; local paths only (object
    stores have no folders, and a probe write there would cost a request per run)."""
    if fs.is_remote(path):
        return
    local = path[len("file://"):] if path.startswith("file://") else path
    if os.path.exists(local) and not os.path.isdir(local):
        raise UsageError(f"output {path} is a file, not a folder: choose another --output")
    try:
        os.makedirs(local, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=local, prefix=".dataprep-write-check-"):
            pass
    except OSError as error:
        raise UsageError(f"output folder {path} is not writable: {error.strerror or error}") from None


def preflight(recipe) -> None:
    """Every check above, for a recipe about to run; the inputs' globs are expanded too."""
    from pipelines.read import expand_input

    check_remote_support(recipe_paths(recipe))
    if recipe.langid is not None:
        check_langid(recipe.langid)
    if recipe.harmful is not None:
        check_lists(recipe.harmful)
    for item in recipe.inputs:
        check_formats(item, expand_input(item))  # InputError (one line) when a pattern matches nothing
    if recipe.perplexity is not None:
        check_perplexity(recipe.perplexity)
    if recipe.quality is not None:
        check_quality(recipe.quality)
    if recipe.decontaminate is not None:
        from dataprep.decontaminate import load_benchmark, parse_benchmark

        for spec in recipe.decontaminate.benchmarks:
            load_benchmark(parse_benchmark(spec))  # a missing or unreadable test set: one line, now
    check_output(recipe.output.path)


def check_formats(item, files) -> None:
    """A file that is not what the recipe says (HTML declared as warc, JSONL as parquet) is one
    line now, not a run of drops: every local file's first 4 KB are sniffed (~0.1 ms a file), a
    remote input's first file only (a request per object would cost more than it saves)."""
    from dataprep.readers import format_mismatch

    for file in files if not fs.is_remote(files[0].path) else files[:1]:
        try:
            with fs.open_read(file.path) as handle:
                head = handle.read(4096)
        except OSError:
            continue  # a dangling link: the reader counts it (read_unreadable_file)
        mismatch = format_mismatch(head, item.format)
        if mismatch is not None:
            raise UsageError(f"input {item.source!r}: {file.path}: {mismatch}")


def check_perplexity(perplexity) -> None:
    """Named train-lm folders hold a model and its tokenizer; a model the run trains has a corpus."""
    from dataprep.cli.recipe import TRAINED_MODEL
    from dataprep.cli.run import training_inputs
    from dataprep.lm.stage import model_files
    from pipelines.read import expand_input

    for folder in perplexity.models.values():
        if folder != TRAINED_MODEL:
            model_files(folder)  # ConfigError naming the folder
    if perplexity.train is not None:
        for item in training_inputs("lm", perplexity.train.corpus):
            expand_input(item)


def check_quality(quality) -> None:
    """A named model loads and has its label; a model the run trains has inputs to train on."""
    from dataprep.cli.recipe import TRAINED_MODEL
    from dataprep.cli.run import training_inputs
    from dataprep.quality import check_model
    from pipelines.read import expand_input

    if quality.model != TRAINED_MODEL:
        check_model(quality)
    if quality.train is not None:
        for side in ("positive", "negative"):
            for item in training_inputs(side, getattr(quality.train, side)):
                expand_input(item)
