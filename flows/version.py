"""The version of the processing code: what a document's rows (and a cached batch) depend on.

It hashes every project module that the processing step (``flows/process.py``) imports, directly
or through other modules (found by reading their import statements, so a new module counts
without anyone listing it), every data file under ``schemas/`` (vocabularies are data), and the
versions of the third-party libraries those modules import. Change any of them and the rows they
made are stale: cached batches expire and documents loaded with another version are processed
again on the next run.
"""

from __future__ import annotations

import ast
import hashlib
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


def _imports(path: Path, module: str) -> set[str]:
    """Every module name an import statement in the file names (at any depth of the code)."""
    names = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
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


def processing_modules() -> tuple[dict[str, Path], set[str]]:
    """(project module -> file, third-party top-level packages) that the processing step depends on."""
    found: dict[str, Path] = {}
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
        found[name] = path
        todo.extend(_imports(path, name))
    return found, external


def _distribution_versions(packages: set[str]) -> list[str]:
    """name==version of the distributions that provide these importable packages."""
    versions, unknown = set(), []
    for package in packages:
        try:
            versions.add(f"{package}=={metadata.version(package)}")  # usually the same name
        except metadata.PackageNotFoundError:
            unknown.append(package)
    if unknown:  # slower: the whole map of installed distributions
        distributions = metadata.packages_distributions()
        for package in unknown:
            for dist in distributions.get(package, []):
                versions.add(f"{dist}=={metadata.version(dist)}")
    return sorted(versions)


def code_version() -> str:
    """Hash of the processing code, its data files and the versions of the libraries it imports."""
    modules, external = processing_modules()
    digest = hashlib.sha256()
    files = set(modules.values()) | {p for p in (_ROOT / "schemas").rglob("*")
                                     if p.is_file() and "__pycache__" not in p.parts}
    for path in sorted(files):
        digest.update(path.relative_to(_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    for line in _distribution_versions(external):
        digest.update(line.encode() + b"\0")
    return digest.hexdigest()[:16]


CODE_VERSION = code_version()
