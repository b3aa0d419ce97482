"""The import rules of ../shared/DESIGN.md §2, checked on every module's source (top-level and
function-level imports alike), so the layers stay what the layout promises.

- `dataprep/` (outside `dataprep/cli/`): no Beam, `pipelines`, `tokenizer` or `dataprep.cli`;
  Beam only lazily, inside a function of the one file-system helper (`dataprep/fs.py`).
- `tokenizer/`: no Beam, `pipelines` or `dataprep.cli`.
- `pipelines/`: no `dataprep.cli`, and it never constructs (so never runs) a pipeline.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("dataprep", "pipelines", "tokenizer")


def modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix()


def imports_of(tree: ast.AST):
    """(imported module, is at module level) for every import statement."""
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, id(node) in top_level
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, id(node) in top_level


def forbidden_for(module: str) -> tuple[str, ...]:
    if module.startswith("dataprep/cli/"):
        return ()
    if module.startswith("dataprep/"):
        return ("apache_beam", "pipelines", "tokenizer", "dataprep.cli")
    if module.startswith("tokenizer/"):
        return ("apache_beam", "pipelines", "dataprep.cli")
    return ("dataprep.cli",)


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("module", list(modules()))
def test_layer_rules(module):
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    for name, top_level in imports_of(tree):
        for prefix in forbidden_for(module):
            if module == "dataprep/fs.py" and prefix == "apache_beam" and not top_level:
                continue  # the one lazy door to gs:// and s3://
            assert not _under(name, prefix), f"{module} imports {name}"


@pytest.mark.parametrize("module", [m for m in modules() if m.startswith("pipelines/")])
def test_pipelines_never_construct_a_pipeline(module):
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            assert called not in ("Pipeline", "TestPipeline", "run_pipeline"), \
                f"{module}:{node.lineno} builds or runs a pipeline: only dataprep/cli/ does"


def test_the_rules_catch_a_violation():
    # The checker itself must see function-level imports, or the lazy ones would slip through.
    tree = ast.parse("def f():\n    from pipelines.read import ReadInput\n")
    assert ("pipelines.read", False) in list(imports_of(tree))
