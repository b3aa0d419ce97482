"""What Dataflow workers get: the package Beam's own stager builds from `--setup_file
./pyproject.toml` (the README's command) holds our code, the language-ID model and the
harmful-content lists, and installs into a wheel that still has them."""

from __future__ import annotations

import glob
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = ("dataprep/resources/lid.176.ftz", "dataprep/resources/NOTICE.md",
             "dataprep/resources/harmful/badwords/en.txt", "dataprep/resources/harmful/url_blocklist/urlhaus_hosts.txt")
PACKAGES = ("dataprep/cli/__init__.py", "pipelines/graph.py", "tokenizer/train.py")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.runners.portability.stager import Stager

    folder = tmp_path_factory.mktemp("staging")
    resources = Stager.create_job_resources(PipelineOptions(["--setup_file", str(ROOT / "pyproject.toml")]),
                                            str(folder))
    return folder, [resource.role_payload for resource in resources]


def test_beam_stages_the_package_built_from_pyproject(staged):
    folder, roles = staged
    assert any(b"workflow.tar.gz" in role for role in roles)  # what workers pip-install
    (sdist,) = glob.glob(str(folder / "dataprep-*.tar.gz"))
    names = {name.split("/", 1)[1] for name in tarfile.open(sdist).getnames() if "/" in name}
    for path in RESOURCES + PACKAGES:
        assert path in names


def test_the_staged_package_installs_with_its_models(staged, tmp_path):
    folder, _ = staged
    (sdist,) = glob.glob(str(folder / "dataprep-*.tar.gz"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path), sdist], check=True, capture_output=True, timeout=300)
    (wheel,) = glob.glob(str(tmp_path / "dataprep-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in RESOURCES + PACKAGES:
        assert path in names
    model = zipfile.ZipFile(wheel).getinfo("dataprep/resources/lid.176.ftz")
    assert model.file_size == (ROOT / "dataprep/resources/lid.176.ftz").stat().st_size
