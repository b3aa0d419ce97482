"""arXiv preparer: every e-print shape in sample_data/arxiv/, LaTeX cleaning on literal snippets,
and archive safety (names, links, bombs) on archives built here."""

from __future__ import annotations

import gzip
import io
import os
import pathlib
import tarfile

import pytest

from dataprep import inputs
from dataprep.document import Document, Drop
from dataprep.readers import ReaderOptions, read_records
from dataprep.sources.arxiv import ArxivClean, ArxivLimits, clean_latex, read_arxiv

ROOT = pathlib.Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "sample_data" / "arxiv"

PAPER_TEXT = (
    "\\section{Introduction}\n"
    "In writing this handbook on the French Revolution, it has been my endeavour to give a correct\n"
    "and impartial account of the most important events of the revolutionary period, and of the motives by "
    "which the\nleading characters were actuated.\n"
    "Much has necessarily been omitted which finds a place in larger works.\n\n"
    "\\section{Sources}\n"
    "Amongst general histories those of Michelet and Louis Blanc will probably be found most\nserviceable.\n"
    "Professor Von Sybel's well-known book contains the fullest and best account of the relations\n"
    "which existed between the different States of Europe, but it is not an impartial one~\\cite{sybel}.\n"
    "The history of the foreign policy of England during this period has still to be written: 5\\% of it.")


def read_all():
    out = {}
    for item in inputs.expand([str(SAMPLE)]):
        with open(item.path, "rb") as handle:
            for record in read_records(handle, item.path, item.location, "arxiv", "arxiv", ReaderOptions()):
                out[item.location] = record
    return out


def test_every_sample_shape_gives_its_paper():
    records = read_all()
    assert sorted(records) == ["paper-a.tar.gz", "paper-b.gz", "paper-c.gz", "paper-d/main.tex",
                               "paper-d/sections/intro.tex"]
    for name in ("paper-a.tar.gz", "paper-b.gz", "paper-d/main.tex"):
        doc = records[name]
        assert doc.metadata["main_file"] == "main.tex"  # not old_draft.tex, not ._main.tex
        assert ArxivClean().apply(doc).text == PAPER_TEXT, name
    assert records["paper-a.tar.gz"].metadata["skipped_members"] == {"macos": 1}
    assert records["paper-b.gz"].metadata["container"] == "tar.gz"
    assert records["paper-c.gz"].metadata["container"] == "gzip"
    assert ArxivClean().apply(records["paper-c.gz"]).text == (
        "\\section{Taxation}\nThe people of France bore taxes from which the privileged orders were free.")
    assert records["paper-d/sections/intro.tex"].reason == "read_arxiv_not_main"


@pytest.mark.parametrize("tex,expected", [
    # comments: whole-line ones vanish with their newline, trailing ones are cut, \% stays
    ("\\section{A}\n% gone\nkept % cut\n50\\% stays\n", "\\section{A}\nkept\n50\\% stays"),
    # everything before the first section-like command goes, a subsection counts
    ("\\begin{document}\\maketitle\nabstract\n\\subsection*{B}\ntext\n", "\\subsection*{B}\ntext"),
    # the bibliography and everything after it
    ("\\section{A}\nx\n\\begin{thebibliography}{1}\\bibitem{k} K\\end{thebibliography}\nappendix\n",
     "\\section{A}\nx"),
    ("\\section{A}\ny\n\\bibliography{refs}\n", "\\section{A}\ny"),
    # argument-less macros (\newcommand, \newcommand*, \renewcommand, \def) expand; ones with arguments stay
    ("\\newcommand{\\R}{\\mathbb{R}}\\newcommand*\\eps{\\varepsilon}\\def\\ours{OurNet}"
     "\\newcommand{\\norm}[1]{\\|#1\\|}\n\\section{A}\n$x \\in \\R$, $\\eps$ and \\ours{} vs \\Rx \\norm{x}\n",
     "\\section{A}\n$x \\in \\mathbb{R}$, $\\varepsilon$ and OurNet vs \\Rx \\norm{x}"),
    # a macro defined through another expands fully
    ("\\def\\a{A}\\def\\b{\\a\\a}\n\\section{S}\n\\b\n", "\\section{S}\nAA"),
    # blank-line runs become one blank line
    ("\\section{A}\n\n\n\nB\n", "\\section{A}\n\nB"),
])
def test_latex_cleaning(tex, expected):
    assert clean_latex(tex) == expected


def test_no_section_and_empty_are_drops():
    doc = Document("id", "\\documentclass{article}\\begin{document}Just text.\\end{document}", "arxiv")
    assert ArxivClean().apply(doc) == Drop("arxiv_no_section")


def tar_gz(members) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return out.getvalue()


def member(name, data=b"", kind=tarfile.REGTYPE, target=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, data if kind == tarfile.REGTYPE else None


MAIN = (b"\\documentclass{article}\\begin{document}\n\\section{S}\nsafe\n\\input{../escape}\n\\input{/etc/evil}\n"
        b"\\input{link}\n\\input{hard}\n\\end{document}\n")


def read_bytes(data, tmp_path, limits=ArxivLimits()):
    path = tmp_path / "e-print.gz"
    path.write_bytes(data)
    with open(path, "rb") as handle:
        return list(read_arxiv(handle, str(path), "e-print.gz", "arxiv", ReaderOptions(), limits))


def test_hostile_names_and_links_are_skipped_and_nothing_is_written(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    data = tar_gz([
        member("main.tex", MAIN),
        member("../escape.tex", b"ESCAPED"),
        member("/etc/evil.tex", b"ABSOLUTE"),
        member("link.tex", kind=tarfile.SYMTYPE, target="/etc/passwd"),
        member("hard.tex", kind=tarfile.LNKTYPE, target="main.tex"),
        member("__MACOSX/._main.tex", b"\x00\x05\x16\x07"),
    ])
    (doc,) = read_bytes(data, tmp_path)
    assert doc.metadata["skipped_members"] == {"absolute": 1, "link": 2, "macos": 1, "parent": 1}
    assert ArxivClean().apply(doc).text == "\\section{S}\nsafe"
    assert os.listdir(work) == [] and sorted(os.listdir(tmp_path)) == ["e-print.gz", "work"]


def test_bomb_member_is_capped_without_reading_it_whole(tmp_path):
    zeros = b"\0" * (16 << 20)  # 16 MiB of zeros: ~16 KB gzipped
    data = tar_gz([member("main.tex", MAIN), member("huge.tex", zeros)])
    assert len(data) < 100_000
    (failure,) = read_bytes(data, tmp_path, ArxivLimits(max_member_bytes=1 << 20))
    assert failure.reason == "read_arxiv_too_large" and "huge.tex" in failure.detail
    # A non-.tex member is streamed past, but counts towards the archive's decompressed cap.
    data = tar_gz([member("main.tex", MAIN), member("figure.eps", zeros)])
    (failure,) = read_bytes(data, tmp_path, ArxivLimits(max_archive_bytes=4 << 20))
    assert failure.reason == "read_arxiv_too_large"
    (doc,) = read_bytes(data, tmp_path)  # under the default caps it is a paper
    assert doc.metadata["skipped_members"] == {"not_tex": 1}
    # A single gzipped .tex bomb.
    (failure,) = read_bytes(gzip.compress(zeros), tmp_path, ArxivLimits(max_member_bytes=1 << 20))
    assert failure.reason == "read_arxiv_too_large"


def test_input_cycles_and_exponential_inputs_are_bounded(tmp_path):
    loop = b"\\input{b}\\input{b}\\input{b}\\input{b}\n"
    data = tar_gz([member("main.tex", b"\\documentclass{x}\\begin{document}\\section{S}\\input{a}\\end{document}"),
                   member("a.tex", b"\\input{main}" + loop), member("b.tex", b"bbbbbbbbbb\\input{c}" * 4),
                   member("c.tex", b"c" * 1000 + b"\\input{a}")])
    (failure,) = read_bytes(data, tmp_path, ArxivLimits(max_archive_bytes=20_000))
    assert failure.reason == "read_arxiv_too_large"


def test_broken_archives_are_counted(tmp_path):
    data = tar_gz([member("main.tex", MAIN * 200)])
    assert read_bytes(data[: len(data) // 2], tmp_path)[0].reason == "read_corrupt_stream"
    (failure,) = read_bytes(tar_gz([member("part.tex", b"\\section{S} x")]), tmp_path)
    assert failure.reason == "read_arxiv_no_main"


def test_folder_paper_inputs_stay_inside_its_folder(tmp_path):
    (tmp_path / "secret.tex").write_text("SECRET")
    paper = tmp_path / "paper"
    paper.mkdir()
    (paper / "main.tex").write_text("\\documentclass{article}\\begin{document}\\section{S}\n"
                                    "\\input{../secret}\\input{/etc/hostname}\\input{body}\n\\end{document}\n")
    (paper / "body.tex").write_text("Body.")
    with open(paper / "main.tex", "rb") as handle:
        (doc,) = read_arxiv(handle, str(paper / "main.tex"), "paper/main.tex", "arxiv", ReaderOptions())
    assert ArxivClean().apply(doc).text == "\\section{S}\nBody."
    assert doc.metadata["tex_files"] == 2
