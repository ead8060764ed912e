"""The wheel carries every file the product reads at run time, not only the Python modules."""

from __future__ import annotations

import glob
import os
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("handoff", "helpdesk_app")


def _packages_of(path: Path) -> list[Path]:
    """Return the package directories above ``path`` (setuptools takes a pattern from any)."""
    return [p for p in path.parents if (p / "__init__.py").exists() and ROOT in p.parents]


def _data_files() -> list[Path]:
    found = []
    for top in PACKAGES:
        for folder, dirs, files in os.walk(ROOT / top, followlinks=True):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            found += [Path(folder) / f for f in files if not f.endswith((".py", ".pyc"))]
    return found


def test_every_data_file_is_package_data() -> None:
    """Is each template, stylesheet, schema, model and migration file named in package-data?"""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]
    missing = []
    files = _data_files()
    for path in files:
        shipped = {
            Path(p)
            for package in _packages_of(path)
            for pattern in patterns.get(".".join(package.relative_to(ROOT).parts), [])
            for p in glob.glob(str(package / pattern), recursive=True)
        }
        if path not in shipped:
            missing.append(str(path.relative_to(ROOT)))
    assert len(files) > 30
    assert missing == []


def test_schemas_and_examples_are_reached_through_the_package() -> None:
    """Do the package's links show exactly the top-level schemas and example configuration?"""
    assert sorted(p.name for p in (ROOT / "handoff" / "_schemas").glob("*.json")) == sorted(
        p.name for p in (ROOT / "schemas").glob("*.json")
    )
    assert (ROOT / "handoff" / "_config" / "product.example.yaml").is_file()
