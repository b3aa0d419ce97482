"""StackExchange preparer: a real beer.stackexchange.com Posts.xml slice, answer order, min_score, memory."""

from __future__ import annotations

import io
import pathlib
import subprocess
import sys

import pytest

from dataprep.document import Document
from dataprep.inputs import format_of
from dataprep.readers import ReaderOptions, read_records
from dataprep.sources.stackexchange import StackExchangeConfig, html_to_text, read_stackexchange, site_of

LOCATION = "beer.stackexchange.com/Posts.xml"
SAMPLE = pathlib.Path(__file__).parents[3] / "sample_data" / "stackexchange" / LOCATION


def _read(data: bytes, config: StackExchangeConfig = StackExchangeConfig(), location: str = LOCATION):
    return list(read_stackexchange(io.BytesIO(data), location, "stackexchange", ReaderOptions(), config))


def test_real_dump_one_document_per_question_answers_by_score():
    with SAMPLE.open("rb") as handle:
        records = list(read_records(handle, str(SAMPLE), LOCATION, "stackexchange", "stackexchange", ReaderOptions()))
    assert all(isinstance(r, Document) for r in records)
    assert len(records) == 89  # questions with Id ≤ 6662 in the slice (the BOM and CRLF lines are real)
    (ale,) = [r for r in records if r.metadata["question_id"] == 8]
    # Answers 17 (score 5), 18 (36), 24: highest score first.
    assert ale.metadata["answer_ids"] == [18, 17, 24]
    assert ale.metadata["site"] == "beer.stackexchange.com" and ale.metadata["tags"] == ["brewing", "ale", "lager"]
    assert ale.url == "https://beer.stackexchange.com/questions/8"
    assert ale.text.startswith("Q: What is the difference between an ale and a lager?\n\nApart from coming out of")
    assert ale.text.count("\n\nA: ") == 3
    assert ale.text.index("A: Ale yeast strains are best used") < ale.text.index("A: Ales and lagers are brewed")
    assert "<p>" not in ale.text and "&quot;" not in ale.text and "(All information from BeerAdvocate.)" in ale.text
    assert [r.metadata["question_id"] for r in records] == sorted(r.metadata["question_id"] for r in records)


def test_min_score_leaves_low_answers_out_and_keeps_the_question():
    data = SAMPLE.read_bytes()
    (ale,) = [r for r in _read(data, StackExchangeConfig(min_score=6)) if r.metadata["question_id"] == 8]
    assert ale.metadata["answer_ids"] == [18]
    (alone,) = [r for r in _read(data, StackExchangeConfig(min_score=1000)) if r.metadata["question_id"] == 8]
    assert alone.metadata["answer_ids"] == [] and "\nA: " not in alone.text


POSTS = b"""<?xml version="1.0" encoding="utf-8"?>
<posts>
  <row Id="1" PostTypeId="1" Score="3" Title="Why?" Tags="|python|xml|" Body="&lt;p&gt;Line one&lt;br&gt;line two&lt;/p&gt;&lt;ul&gt;&lt;li&gt;a&lt;/li&gt;&lt;li&gt;b&lt;/li&gt;&lt;/ul&gt;" />
  <row Id="2" PostTypeId="2" ParentId="1" Score="1" Body="&lt;p&gt;low&lt;/p&gt;" />
  <row Id="3" PostTypeId="4" Body="tag wiki excerpt" />
  <row Id="4" PostTypeId="2" ParentId="99" Score="7" Body="&lt;p&gt;orphan&lt;/p&gt;" />
  <row Id="5" PostTypeId="2" ParentId="1" Score="4" Body="&lt;pre&gt;&lt;code&gt;x = 1&#xA;    y = 2&#xA;&lt;/code&gt;&lt;/pre&gt;" />
  <row Id="6" PostTypeId="2" ParentId="1" Score="1" Body="&lt;p&gt;tie, later id&lt;/p&gt;" />
</posts>
"""


def test_layout_ties_orphans_and_non_qa_rows_exactly():
    doc, orphan = _read(POSTS, location="cooking.stackexchange.com-Posts.xml")
    assert doc.text == ("Q: Why?\n\nLine one\nline two\n\n- a\n- b\n\n"
                        "A: x = 1\n    y = 2\n\nA: low\n\nA: tie, later id")
    assert doc.metadata["tags"] == ["python", "xml"] and doc.metadata["site"] == "cooking.stackexchange.com"
    assert orphan.reason == "read_orphan_answer" and "question 99" in orphan.detail


def test_cut_file_keeps_the_questions_read_and_wrong_root_is_refused():
    records = _read(POSTS[: POSTS.index(b'<row Id="5"')])
    failure, question, orphan = records  # the break is counted, what was read before it is kept
    assert failure.reason == "read_corrupt_stream" and question.metadata["answer_ids"] == [2]
    assert orphan.reason == "read_orphan_answer"
    (wrong,) = _read(b"<mediawiki><page/></mediawiki>")
    assert wrong.reason == "read_wrong_format"


def test_html_site_and_format_helpers():
    assert html_to_text("<p>a &amp; b</p>\n<blockquote><p>quoted</p></blockquote><p>c</p>") == "a & b\n\nquoted\n\nc"
    assert html_to_text("") == ""
    assert site_of("dumps/math.stackexchange.com/Posts.xml") == "math.stackexchange.com"
    assert site_of("Posts.xml") is None
    assert format_of("/x/math.stackexchange.com/Posts.xml") == "stackexchange"
    assert format_of("/x/stackoverflow.com-Posts.xml.bz2") == "stackexchange"


_MEASURE = r"""
import resource, sys, tempfile, random
from dataprep.readers.base import ReaderOptions
from dataprep.sources.stackexchange import read_stackexchange
posts = int(sys.argv[1])
body = "&lt;p&gt;" + "word " * 60 + "&lt;/p&gt;"
with tempfile.NamedTemporaryFile(suffix="-Posts.xml") as handle:
    handle.write(b'<?xml version="1.0" encoding="utf-8"?>\n<posts>\n')
    rng = random.Random(0)
    for i in range(1, posts + 1):
        if i % 2:
            row = f'<row Id="{i}" PostTypeId="1" Score="{i % 7}" Title="q{i}" Body="{body}" />\n'
        else:  # answers to any earlier question: far from it, as in real dumps
            row = f'<row Id="{i}" PostTypeId="2" ParentId="{rng.randrange(1, i, 2)}" Score="{i % 5}" Body="{body}" />\n'
        handle.write(row.encode())
    handle.write(b"</posts>\n")
    handle.flush()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(handle.name, "rb") as dump:
        count = sum(1 for _ in read_stackexchange(dump, "x-Posts.xml", "se", ReaderOptions()))
    print(count, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


@pytest.mark.slow  # 200k generated posts in a child process
def test_memory_stays_flat_on_a_large_generated_dump():
    # 200k posts (~80 MB of XML) against 20k: a reader that held the posts would grow by ~70 MB more.
    # Measured: 6.2 MB peak growth for either size (SQLite's page cache, lxml, one element).
    growth = {}
    for posts in (20_000, 200_000):
        out = subprocess.run([sys.executable, "-c", _MEASURE, str(posts)], capture_output=True, text=True,
                             check=True, cwd=pathlib.Path(__file__).parents[3]).stdout.split()
        assert int(out[0]) == posts // 2
        growth[posts] = int(out[1]) / 1024  # ru_maxrss is in KiB on Linux
    assert growth[200_000] < growth[20_000] + 15, growth
