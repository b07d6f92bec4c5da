"""The bundled model ships inside the wheel and loads from a plain install."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation", "-q", "-w", str(out)],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("ddx_paresthesia-*.whl")  # the distribution's name; the import name is ddx
    return path


def test_wheel_contains_the_bundled_model(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in ("model/model.yaml", "model/nodes.yaml", "model/rules.yaml", "priors/scale.yaml"):
        assert f"ddx/_bundled/{rel}" in names
    assert any(n.startswith("ddx/_bundled/priors/causes/") for n in names)


def test_wheel_is_typed_and_named_for_the_index(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "ddx/py.typed" in names  # PEP 561: type checkers read ddx's annotations
    meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(meta).decode()
    assert "Name: ddx-paresthesia" in text and "Requires-Dist: matplotlib" in text


def test_plain_install_loads_the_bundled_model(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import ddx; e = ddx.load(); "
        "print(ddx.__file__); print(e.kb.root); print(len(e.kb.causes))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(site)], check=True, capture_output=True, text=True, cwd=tmp_path
    ).stdout.splitlines()
    assert out[0].startswith(str(site))
    assert out[1] == str(site / "ddx" / "_bundled")
    assert int(out[2]) > 0
