"""Builds the per-source samples of issue 12 that are not plain copies (deterministic bytes).

code/export/: the real files of code/tree/ (Debian packages' code) laid out as The Stack's rows
(bigcode/the-stack columns: hexsha, size, ext, lang, max_stars_repo_path, max_stars_repo_name,
max_stars_repo_licenses, content, ...) and as a BigQuery `bigquery-public-data.github_repos` join
of `files`, `contents` and `licenses` (repo_name, path, license, id, size, binary, copies, content).

arxiv/: there is no arXiv e-print offline here, so these are faithful to the shapes arXiv ships
(a tar.gz, the same tar.gz named .gz, a single gzipped .tex, a folder) and carry real
public-domain prose (B. M. Gardiner, "The French Revolution 1789-1795", 1883; Project Gutenberg
eBook #71688) in a typical paper's LaTeX layout. Kept outside both folders: a folder input reads
every file whose extension names a format, and a .py file is code.

Run: python sample_data/build_source_samples.py
"""

import gzip
import hashlib
import io
import json
import pathlib
import tarfile

import pyarrow as pa
import pyarrow.parquet as pq

CODE = pathlib.Path(__file__).resolve().parent / "code"
# github_repos.licenses spells licences in lower case: mit, bsd-3-clause, lgpl-2.1, apache-2.0, …
BIGQUERY_NAMES = {"MIT": "mit", "BSD-3-Clause": "bsd-3-clause", "LGPL-2.1-or-later": "lgpl-2.1"}
# (file below tree/, repository as GitHub names it, SPDX licence as The Stack/BigQuery list it)
FILES = [
    ("six/six.py", "benjaminp/six", "MIT"),
    ("idna/idna/core.py", "kjd/idna", "BSD-3-Clause"),
    ("idna/idna/intranges.py", "kjd/idna", "BSD-3-Clause"),
    ("chardet/chardet/enums.py", "chardet/chardet", "LGPL-2.1-or-later"),
]


def build_code_exports() -> None:
    stack, bigquery = [], []
    for relative, repo, license_id in FILES:
        content = (CODE / "tree" / relative).read_text(encoding="utf-8")
        path = relative.split("/", 1)[1]
        sha = hashlib.sha1(f"blob {len(content.encode())}\0".encode() + content.encode()).hexdigest()
        lines = content.splitlines()
        stack.append({
            "hexsha": sha, "size": len(content.encode()), "ext": "py", "lang": "Python",
            "max_stars_repo_path": path, "max_stars_repo_name": repo, "max_stars_repo_licenses": [license_id],
            "content": content, "avg_line_length": sum(map(len, lines)) / len(lines),
            "max_line_length": max(map(len, lines)),
            "alphanum_fraction": sum(c.isalnum() for c in content) / len(content),
        })
        bigquery.append({"repo_name": repo, "path": path, "license": BIGQUERY_NAMES[license_id],
                         "id": sha, "size": len(content.encode()), "binary": False, "copies": 1,
                         "content": content})
    (CODE / "export").mkdir(exist_ok=True)
    body = "".join(json.dumps(row, sort_keys=True) + "\n" for row in stack).encode()
    (CODE / "export" / "the-stack.jsonl.gz").write_bytes(gzip.compress(body, mtime=0))
    pq.write_table(pa.Table.from_pylist(bigquery), CODE / "export" / "github-repos.parquet", compression="zstd")


ARXIV = pathlib.Path(__file__).resolve().parent / "arxiv"

MAIN = r"""\documentclass[11pt]{article}
\usepackage{amsmath}
% A user macro without arguments, expanded by the cleaner; one with an argument is left alone.
\newcommand{\era}{the revolutionary period}
\def\book{this handbook}
\newcommand{\emphz}[1]{\textit{#1}}

\title{The French Revolution, 1789--1795}
\author{B. M. Gardiner}
\begin{document}
\maketitle
\begin{abstract}
An account of the most important events of \era.
\end{abstract}

\section{Introduction}
\input{sections/intro}

\section{Sources}
Amongst general histories those of Michelet and Louis Blanc will probably be found most
serviceable. % TODO: cite Michelet properly
Professor Von Sybel's well-known book contains the fullest and best account of the relations
which existed between the different States of Europe, but it is not an impartial one~\cite{sybel}.
The history of the foreign policy of England during this period has still to be written: 5\% of it.

\bibliographystyle{plain}
\bibliography{refs}
\end{document}
"""

INTRO = r"""In writing \book{} on the French Revolution, it has been my endeavour to give a correct
and impartial account of the most important events of \era, and of the motives by which the
leading characters were actuated.
%\input{sections/unused}
Much has necessarily been omitted which finds a place in larger works.
"""

DRAFT = r"""\documentclass{article}
\begin{document}
\section{Introduction}
An early draft, not used by the paper.
\end{document}
"""

SINGLE = r"""\documentclass{article}
\newcommand\country{France}
\begin{document}
Front matter that the cleaner removes.
\section{Taxation}
The people of \country{} bore taxes from which the privileged orders were free.
\begin{thebibliography}{9}
\bibitem{young} A. Young, Travels in France.
\end{thebibliography}
\end{document}
"""


def tar_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, data in sorted(members.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 1_700_000_000, 0o644
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def build_arxiv() -> None:
    paper = tar_bytes({
        "main.tex": MAIN.encode(), "sections/intro.tex": INTRO.encode(), "old_draft.tex": DRAFT.encode(),
        # macOS tar adds an AppleDouble resource fork beside each file.
        "._main.tex": b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ",
    })
    (ARXIV / "paper-a.tar.gz").write_bytes(gz(paper))
    (ARXIV / "paper-b.gz").write_bytes(gz(paper))  # arXiv's own naming: a tar.gz called <id>.gz
    (ARXIV / "paper-c.gz").write_bytes(gz(SINGLE.encode()))  # a single gzipped .tex
    folder = ARXIV / "paper-d"
    (folder / "sections").mkdir(parents=True, exist_ok=True)
    (folder / "main.tex").write_text(MAIN)
    (folder / "sections" / "intro.tex").write_text(INTRO)


if __name__ == "__main__":
    build_code_exports()
    build_arxiv()
