"""version: the processing code's version, the same whether its parse cache is there or not."""

from __future__ import annotations

import json

from flows import version


def test_the_cache_spares_parsing_and_changes_no_version(tmp_path, monkeypatch):
    cache = tmp_path / "esg" / "imports.json"
    cold = version.code_version(cache)
    assert cold == version.CODE_VERSION and cache.is_file()
    remembered = json.loads(cache.read_text())
    assert any(key.startswith("flows.process:") for key in remembered["imports"])
    assert "pandas" in remembered["distributions"]

    def no_parsing(*args):
        raise AssertionError("parsed a module the cache knows")

    monkeypatch.setattr(version, "_imports", no_parsing)
    assert version.code_version(cache) == cold


def test_a_changed_module_changes_the_version_even_with_a_cache(tmp_path, monkeypatch):
    cache = tmp_path / "imports.json"
    before = version.code_version(cache)
    real_read = version.Path.read_bytes

    def edited(path):
        data = real_read(path)
        return data + b"\n# edited\n" if path.name == "extract.py" else data

    monkeypatch.setattr(version.Path, "read_bytes", edited)
    assert version.code_version(cache) != before


def test_a_broken_cache_is_ignored_and_mended(tmp_path):
    cache = tmp_path / "imports.json"
    cache.write_text("{not json")
    assert version.code_version(cache) == version.CODE_VERSION
    assert json.loads(cache.read_text())["imports"]
    cache.write_text(json.dumps({"imports": {}, "distributions": {"pandas": ["no-such-distribution"]}}))
    assert version.code_version(cache) == version.CODE_VERSION  # a distribution since uninstalled
