"""A tiny real WARC.gz and recipe for pipeline tests (written by warcio, read by our readers)."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from dataprep.cli.recipe import parse_recipe

ENGLISH = """
<p>The river valley was settled early because the soil was rich and the water was close to the fields.</p>
<p>Farmers learned to rotate their crops, and the villages that grew along the banks traded grain for tools.</p>
<p>Over the centuries the town built a stone bridge, a market hall and a school that still stands today.</p>
<p>Visitors often walk along the old towpath in the evening, when the light is soft and the air is cool.</p>
<p>The museum near the square explains how the canal was dug by hand and how the locks were operated.</p>
"""
GERMAN = """
<p>Das Dorf liegt am Rande eines großen Waldes und ist seit vielen Jahrhunderten bewohnt.</p>
<p>Die Bewohner leben von der Landwirtschaft und von kleinen Handwerksbetrieben in der Umgebung.</p>
<p>Im Sommer kommen viele Wanderer, die die ruhigen Wege und die klaren Seen der Gegend schätzen.</p>
<p>Die alte Kirche in der Mitte des Ortes wurde nach einem Brand im neunzehnten Jahrhundert wieder aufgebaut.</p>
<p>Jeden Herbst feiert man ein Fest, bei dem die Ernte des Jahres mit Musik und Tanz gewürdigt wird.</p>
"""
JUNK = "<p>Home</p><p>Login</p><p>Next</p>"


def html_page(body: str, title: str = "Page") -> bytes:
    return f"<html><head><title>{title}</title></head><body><article>{body}</article></body></html>".encode()


def write_warc(path, pages: list[tuple[str, bytes, str]], corrupt_after: int | None = None) -> None:
    """pages: (url, payload, content type). `corrupt_after`: insert a broken gzip member there."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    writer.write_record(writer.create_warcinfo_record("test.warc.gz", {"software": "tests"}))
    for index, (url, payload, content_type) in enumerate(pages):
        headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
        record = writer.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=headers)
        writer.write_record(record)
        if corrupt_after == index:
            # A gzip header followed by garbage instead of deflate data.
            out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(range(200)) * 3)
    with open(path, "wb") as handle:
        handle.write(out.getvalue())


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory):
    """Two WARC files: kept English pages, a German page, junk, a PNG and a corrupt record."""
    folder = tmp_path_factory.mktemp("warc")
    write_warc(
        folder / "a.warc.gz",
        [
            ("https://example.org/valley", html_page(ENGLISH, "Valley"), "text/html; charset=utf-8"),
            ("https://example.org/junk", html_page(JUNK), "text/html"),
            ("https://example.org/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png"),
        ],
        corrupt_after=0,
    )
    write_warc(
        folder / "b.warc.gz",
        [
            ("https://example.de/dorf", html_page(GERMAN, "Dorf"), "text/html; charset=utf-8"),
            ("https://example.org/valley-copy", html_page(ENGLISH.replace("river", "broad river")), "text/html"),
        ],
    )
    return folder


@pytest.fixture(scope="module")
def tiny_recipe(tiny_corpus, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("tiny")

    def make(**overrides):
        data = {
            "name": "tiny",
            "inputs": [{"source": "web", "format": "warc", "paths": [str(tiny_corpus / "*.warc.gz")]}],
            "output": {"path": str(tmp_path / "out"), "shards": 2},
            "langid": {"languages": ["en"]},
            "heuristics": ["gopher_quality", "c4"],
        }
        data.update(overrides)
        return parse_recipe(data)

    return make


@pytest.fixture(scope="session")
def run_and_hash():
    """`run(recipe, output, beam_args=())`: the recipe run into `output`, then the sha256 of
    every file there by relative path: how tests compare whole outputs byte for byte."""
    from dataprep.cli.run import run_recipe

    def run(recipe, output, beam_args=()):
        recipe = dataclasses.replace(recipe, output=dataclasses.replace(recipe.output, path=str(output)))
        run_recipe(recipe, list(beam_args))
        digests = {}
        for folder, _, files in os.walk(output):
            for name in files:
                path = os.path.join(folder, name)
                with open(path, "rb") as handle:
                    digests[os.path.relpath(path, output)] = hashlib.sha256(handle.read()).hexdigest()
        return digests

    return run
