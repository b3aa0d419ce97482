"""Code preparer on the real Debian-package checkouts and exports in sample_data/code/."""

from __future__ import annotations

import pathlib

import pytest

from dataprep import inputs
from dataprep.document import Document, Drop
from dataprep.readers import ReaderOptions, format_mismatch, read_records
from dataprep.sources import code
from dataprep.sources.code import (
    CodeBoilerplate, CodeHeuristics, CodeHeuristicsConfig, CodeLicense, CodeLicenseConfig, license_allowed,
)

ROOT = pathlib.Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "sample_data" / "code"


def read(files, fmt):
    out = []
    for item in files:
        with open(item.path, "rb") as handle:
            out += list(read_records(handle, item.path, item.location, "code", fmt, ReaderOptions()))
    return out


def doc(text, path="x.py", **metadata):
    return Document("id", text, "code", None, {"path": path, **metadata})


def test_tree_reads_every_file_with_its_dep5_licence_and_keeps_only_the_allowed():
    docs = read(inputs.expand([str(SAMPLE / "tree")]), "code_tree")
    by_file = {d.metadata["source_file"]: d for d in docs}
    assert sorted(by_file) == [
        "chardet/chardet/__init__.py", "chardet/chardet/enums.py", "idna/idna/__init__.py", "idna/idna/codec.py",
        "idna/idna/compat.py", "idna/idna/core.py", "idna/idna/intranges.py", "idna/idna/package_data.py",
        "six/six.py"]
    six = by_file["six/six.py"]
    assert (six.metadata["repository"], six.metadata["path"], six.metadata["license"],
            six.metadata["license_source"], six.metadata["code_language"]) == (
        "six", "six.py", "Expat", "debian/copyright", "python")
    assert six.text == (SAMPLE / "tree/six/six.py").read_text()
    # DEP-5: the last matching Files paragraph wins, so codec.py is not plain BSD.
    assert by_file["idna/idna/core.py"].metadata["license"] == "BSD-3-clause"
    assert by_file["idna/idna/codec.py"].metadata["license"] == "BSD-3-clause and PSF-2"
    stage = CodeLicense()
    verdicts = {name: stage.apply(d) for name, d in by_file.items()}
    kept = sorted(n for n, v in verdicts.items() if isinstance(v, Document))
    assert kept == ["idna/idna/__init__.py", "idna/idna/compat.py", "idna/idna/core.py", "idna/idna/intranges.py",
                    "idna/idna/package_data.py", "six/six.py"]
    assert verdicts["idna/idna/codec.py"] == Drop("code_license_not_allowed", "BSD-3-clause and PSF-2")
    assert verdicts["chardet/chardet/enums.py"] == Drop("code_license_not_allowed", "LGPL-2.1+")
    # A recipe may allow more: PSF-2 and LGPL by exact id or family.
    wider = CodeLicense(CodeLicenseConfig(allowed=("BSD", "MIT", "PSF-2", "LGPL-2.1")))
    assert all(isinstance(wider.apply(d), Document) for d in docs)


@pytest.mark.parametrize("name", ["the-stack.jsonl.gz", "github-repos.parquet"])
def test_exports_in_the_stack_and_bigquery_shapes(name):
    path = SAMPLE / "export" / name
    docs = read([inputs.InputFile(str(path), name, 0, None)], "code_export")
    assert [(d.metadata["repository"], d.metadata["path"]) for d in docs] == [
        ("benjaminp/six", "six.py"), ("kjd/idna", "idna/core.py"), ("kjd/idna", "idna/intranges.py"),
        ("chardet/chardet", "chardet/enums.py")]
    assert docs[0].text == (SAMPLE / "tree/six/six.py").read_text()
    assert {d.metadata["code_language"] for d in docs} == {"python"}
    verdicts = [CodeLicense().apply(d) for d in docs]
    assert [isinstance(v, Document) for v in verdicts] == [True, True, True, False]
    assert verdicts[3].reason == "code_license_not_allowed"
    # JSONL/Parquet content is what the export format accepts, not a mismatch.
    assert format_mismatch(path.read_bytes()[:4096], "code_export") is None


def test_licence_from_spdx_header_and_license_file(tmp_path):
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    mit = (SAMPLE / "tree/six/debian/copyright").read_text().split("License: Expat\n", 2)[2]
    (repo / "LICENSE").write_text("Copyright (c) 2020 A. Author\n\n" + mit)
    (repo / "src" / "a.c").write_text("int main(void) { return 0; }\n")
    (repo / "src" / "b.c").write_text("// SPDX-License-Identifier: GPL-2.0-only\nint f(void) { return 1; }\n")
    (repo / "src" / "data.json").write_text('{"a": 1}\n')  # looks like JSONL: not a mismatch for code
    files = inputs.expand([str(tmp_path)])
    assert [f.location for f in files] == ["repo/src/a.c", "repo/src/b.c", "repo/src/data.json"]
    docs = read(files, "code_tree")
    assert [(d.metadata["license"], d.metadata["license_source"], d.metadata["code_language"]) for d in docs] == [
        ("MIT", "license_file", "c"), ("GPL-2.0-only", "spdx", "c"), ("MIT", "license_file", None)]
    assert CodeLicense().apply(docs[1]) == Drop("code_license_not_allowed", "GPL-2.0-only")
    assert CodeHeuristics().apply(docs[2]) == Drop("code_data_file", "src/data.json")
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    (lonely / "x.py").write_text("print(1)\n")
    (none,) = read([inputs.InputFile(str(lonely / "x.py"), "lonely/x.py", 0, None)], "code_tree")
    assert CodeLicense().apply(none).reason == "code_license_missing"


def test_binary_file_is_a_counted_read_failure(tmp_path):
    path = tmp_path / "blob.c"
    path.write_bytes(b"\x7fELF\x00\x00\x01")
    (failure,) = read([inputs.InputFile(str(path), "blob.c", 0, None)], "code_tree")
    assert failure.reason == "read_not_text"


def test_glob_over_a_checkout_reads_licence_files_which_are_dropped_as_not_code():
    files = inputs.expand([str(SAMPLE / "tree" / "**")])
    assert len(files) == 12  # a glob keeps every file: 9 .py and 3 debian/copyright
    verdicts = [CodeHeuristics().apply(d) for d in read(files, "code_tree")]
    dropped = sorted(v.detail for v in verdicts if isinstance(v, Drop))
    assert dropped == ["debian/copyright"] * 3
    assert {v.reason for v in verdicts if isinstance(v, Drop)} == {"code_license_file"}


def test_license_expressions():
    allowed = ("Apache", "BSD", "MIT")
    assert license_allowed("Apache-2.0", allowed)
    assert license_allowed("MIT OR GPL-3.0-or-later", allowed)
    assert license_allowed("(BSD-2-Clause AND MIT)", allowed)
    assert not license_allowed("MIT AND GPL-2.0", allowed)
    assert not license_allowed("LGPL-2.1+", allowed)


def line_doc(lengths):
    return doc("\n".join("a" * n for n in lengths))


def test_max_line_length_at_threshold():
    assert isinstance(CodeHeuristics().apply(line_doc([1000] + [10] * 20)), Document)
    assert CodeHeuristics().apply(line_doc([1001] + [10] * 20)) == Drop("code_max_line_length", "1001")


def test_mean_line_length_at_threshold():
    assert isinstance(CodeHeuristics().apply(line_doc([100, 100])), Document)
    assert CodeHeuristics().apply(line_doc([100, 101])) == Drop("code_mean_line_length", "100.5")


def test_alnum_fraction_at_threshold():
    assert isinstance(CodeHeuristics().apply(doc("ab" + "-" * 6)), Document)  # 0.25
    assert CodeHeuristics().apply(doc("ab" + "-" * 7)) == Drop("code_alnum_fraction", "0.222")
    assert isinstance(CodeHeuristics(CodeHeuristicsConfig(min_alnum_fraction=None)).apply(doc("-" * 9)), Document)


def test_autogenerated_marker_in_first_five_lines_only():
    head = "\n".join(["x = 1"] * 4)
    assert CodeHeuristics().apply(doc(head + "\n# Code generated by protoc. DO NOT EDIT.\ny = 2")) == Drop(
        "code_autogenerated", "generated by protoc")
    assert isinstance(CodeHeuristics().apply(doc(head + "\nz = 0\n# do not edit\n")), Document)


def test_boilerplate_header_removed_from_real_six():
    six = (SAMPLE / "tree/six/six.py").read_text()
    out = CodeBoilerplate().apply(doc(six, "six.py"))
    assert out.text.startswith('"""Utilities for writing code that runs on Python 2 and 3"""\n')
    assert out.text == six[six.index('"""Utilities'):]
    assert out.metadata["boilerplate_chars"] == six.index('"""Utilities')


@pytest.mark.parametrize("text,expected", [
    ("#!/usr/bin/env python\n# Copyright 2020 X\n# Licensed under MIT\n\nimport os\n",
     "#!/usr/bin/env python\nimport os\n"),
    ("/*\n * Copyright (c) 2001 Y\n * All rights reserved.\n */\n#include <stdio.h>\n", "#include <stdio.h>\n"),
    ("// helper for the parser\nint x;\n", "// helper for the parser\nint x;\n"),  # no licence words: kept
])
def test_boilerplate_literal(text, expected):
    out = CodeBoilerplate().apply(doc(text))
    assert out.text == expected


def test_boilerplate_only_file_is_dropped():
    assert CodeBoilerplate().apply(doc("# Copyright 2020 X\n# SPDX-License-Identifier: MIT\n")) == Drop(
        "code_boilerplate_emptied")


def test_code_suffixes_are_a_format():
    assert inputs.format_of("a/b/main.rs") == "code_tree"
    assert code.language_of("A/B.CPP") == "cpp"
