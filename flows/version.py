"""The version of the processing code: what a document's rows (and a cached batch) depend on.

It hashes every project module that the processing step (``flows/process.py``) imports, directly
or through other modules (found by reading their import statements, so a new module counts
without anyone listing it), every data file under ``schemas/`` (vocabularies are data), and the
versions of the third-party libraries those modules import. Change any of them and the rows they
made are stale: cached batches expire and documents loaded with another version are processed
again on the next run.

Parsing every module takes a fraction of a second, which a run that finds nothing changed cannot
spare, so the import statements found in each file are kept in a small cache keyed by the file's
content sha256 (``imports.json`` in ``$XDG_CACHE_HOME/esg``, else ``~/.cache/esg``), with the
distributions that provide each third-party package. The version itself is always computed from
the files' current bytes and the libraries' installed versions; the cache only spares parsing.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import sys
from importlib import metadata
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
_PROJECT_PACKAGES = ("flows", "schemas")
_ENTRY = "flows.process"


def _module_path(name: str) -> Path | None:
    parts = name.split(".")
    if parts[0] not in _PROJECT_PACKAGES:
        return None
    base = _ROOT.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(source: bytes, module: str, is_package: bool) -> set[str]:
    """Every module name an import statement in the source names (at any depth of the code)."""
    names = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source.decode("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)  # "from flows import load"
    return names


def cache_file() -> Path:
    """Where the import statements of each file (by content) and the distributions of each
    third-party package are remembered between runs."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "esg" / "imports.json"


class _Remembered:
    """The cache of cache_file(): what was looked up before, and what this computation used."""

    def __init__(self, path: Path | None):
        self.path = path
        try:
            saved = json.loads(path.read_text(encoding="utf-8")) if path else {}
        except (OSError, ValueError):
            saved = {}
        self.saved = {"imports": saved.get("imports") or {}, "distributions": saved.get("distributions") or {}}
        self.used: dict[str, dict] = {"imports": {}, "distributions": {}}

    def get(self, kind: str, key: str, compute):
        value = self.saved[kind].get(key)
        if value is None:
            value = compute()
        self.used[kind][key] = value
        return value

    def save(self) -> None:
        """Write what this computation used, if it differs from what was saved (never raises)."""
        if self.path is None or self.used == self.saved:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
            temporary.write_text(json.dumps(self.used, sort_keys=True), encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError:
            pass


def processing_modules(remembered: _Remembered | None = None) -> tuple[dict[str, tuple[Path, bytes]], set[str]]:
    """(project module -> (file, its bytes), third-party top-level packages) that the processing
    step depends on."""
    remembered = remembered or _Remembered(None)
    found: dict[str, tuple[Path, bytes]] = {}
    external: set[str] = set()
    todo = [_ENTRY, "flows", "schemas"]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        path = _module_path(name)
        if path is None:
            top = name.split(".")[0]
            if top and top not in _PROJECT_PACKAGES and top not in sys.stdlib_module_names and top != "__future__":
                external.add(top)
            continue
        source = path.read_bytes()
        found[name] = (path, source)
        key = f"{name}:{hashlib.sha256(source).hexdigest()}"
        todo.extend(remembered.get("imports", key, lambda: sorted(_imports(source, name, path.name == "__init__.py"))))
    return found, external


def _distributions(package: str) -> list[str]:
    """The installed distributions that provide an importable package (usually its own name)."""
    try:
        metadata.version(package)
        return [package]
    except metadata.PackageNotFoundError:  # slower: the whole map of installed distributions
        return sorted(metadata.packages_distributions().get(package, []))


def _distribution_versions(packages: set[str], remembered: _Remembered | None = None) -> list[str]:
    """name==version of the distributions that provide these importable packages."""
    remembered = remembered or _Remembered(None)
    versions = set()
    for package in packages:
        for dist in remembered.get("distributions", package, lambda: _distributions(package)):
            try:
                versions.add(f"{dist}=={metadata.version(dist)}")
            except metadata.PackageNotFoundError:  # uninstalled since it was remembered
                versions.update(f"{d}=={metadata.version(d)}" for d in _distributions(package))
    return sorted(versions)


def code_version(cache: Path | None = None) -> str:
    """Hash of the processing code, its data files and the versions of the libraries it imports.

    cache: the file that spares parsing the modules again (default cache_file()).
    """
    remembered = _Remembered(cache or cache_file())
    modules, external = processing_modules(remembered)
    digest = hashlib.sha256()
    files = {path: source for path, source in modules.values()}
    for path in (_ROOT / "schemas").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts and path not in files:
            files[path] = path.read_bytes()
    for path in sorted(files):
        digest.update(path.relative_to(_ROOT).as_posix().encode() + b"\0" + files[path])
    for line in _distribution_versions(external, remembered):
        digest.update(line.encode() + b"\0")
    remembered.save()
    return digest.hexdigest()[:16]


CODE_VERSION = code_version()

