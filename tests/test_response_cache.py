"""The response cache of the immutable site: repeated GETs served from memory with
the same bytes and headers; nothing that varies per request is ever stored."""
from __future__ import annotations

import asyncio
import importlib.util
import json

import pytest
from datasette.app import Datasette

from juesuan.paths import ROOT

HIT = "x-juesuan-cache"


def site(built, **kw) -> Datasette:
    files = kw.pop("files", [])
    return Datasette(files, immutables=[] if files else [str(built["sqlite"])],
                     metadata=json.loads(built["metadata"].read_text(encoding="utf-8")),
                     plugins_dir=str(ROOT / "plugins"), settings={"suggest_facets": False}, **kw)


def get(ds: Datasette, path: str, **kw):
    return asyncio.run(ds.client.get(path, **kw))


@pytest.fixture(scope="module")
def ds(built):
    return site(built)


def test_a_repeated_page_is_served_from_memory_unchanged(ds):
    for path in ("/", "/juesuan/facts.json?_size=5", "/juesuan/facts?metric=reception_batches"):
        first, second = get(ds, path), get(ds, path)
        assert first.status_code == second.status_code == 200
        assert HIT not in first.headers and second.headers[HIT] == "hit"
        assert second.content == first.content
        assert int(second.headers["content-length"]) == len(second.content)
        for name in ("content-type", "x-content-type-options", "content-security-policy"):
            assert second.headers[name] == first.headers[name]


def test_errors_and_introspection_are_never_cached(ds):
    for path in ("/no/such/page", "/juesuan/facts?_sort=zzz", "/-/versions.json", "/-/threads.json"):
        get(ds, path)
        assert HIT not in get(ds, path).headers, path


def test_debug_output_and_credentials_bypass_the_cache(ds):
    get(ds, "/juesuan/metrics.json")
    assert HIT not in get(ds, "/juesuan/metrics.json", headers={"authorization": "Bearer x"}).headers
    assert HIT not in get(ds, "/juesuan/metrics.json", cookies={"ds_actor": "x"}).headers


def test_absolute_urls_follow_the_host_asked_for(ds):
    path = "/juesuan/facts.json?_size=2"
    a = get(ds, path, headers={"host": "one.example"}).json()
    b = get(ds, path, headers={"host": "two.example"}).json()
    assert "one.example" in a["next_url"] and "two.example" in b["next_url"]


def test_a_writable_database_is_not_cached(built, tmp_path):
    writable = tmp_path / "juesuan.db"
    writable.write_bytes(built["sqlite"].read_bytes())
    ds = site(built, files=[str(writable)])
    get(ds, "/juesuan/metrics.json")
    assert HIT not in get(ds, "/juesuan/metrics.json").headers


def test_the_cache_can_be_turned_off(built, monkeypatch):
    monkeypatch.setenv("JUESUAN_RESPONSE_CACHE_MB", "0")
    ds = site(built)
    get(ds, "/juesuan/metrics.json")
    assert HIT not in get(ds, "/juesuan/metrics.json").headers


def test_memory_stays_within_the_budget():
    spec = importlib.util.spec_from_file_location("juesuan_cache_under_test", ROOT / "plugins" / "juesuan_cache.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    cache = mod.ResponseCache(budget=1000)
    for i in range(10):
        cache.put((f"/p{i}", b""), 200, [], b"x" * 300)
        assert cache.size <= 1000
    assert cache.get(("/p0", b"")) is None and cache.get(("/p9", b"")) is not None
    cache.put(("/big", b""), 200, [], b"x" * 2000)  # larger than the whole budget: not stored
    assert cache.get(("/big", b"")) is None


def test_metadata_answered_once_is_the_metadata(built):
    """The metadata lookups memoized at startup give what Datasette's own merge gives,
    and a caller changing a merged answer does not change the next one."""
    ds = site(built)
    fresh = site(built)
    asyncio.run(ds.invoke_startup())
    assert getattr(ds.metadata, "memoized", False)
    for args in [("title", None, None), ("queries", "juesuan", None), ("facets", "juesuan", "facts"),
                 (None, "juesuan", "facts"), ("plugins", "juesuan", "facts"), ("source_url", "juesuan", "checks")]:
        assert ds.metadata(*args) == fresh.metadata(*args), args
        assert ds.metadata(*args) == ds.metadata(*args)
    merged = ds.metadata(database="juesuan", table="facts")
    merged["title"] = "changed by a caller"
    assert ds.metadata(database="juesuan", table="facts").get("title") != "changed by a caller"
    page = get(ds, "/juesuan/facts?_size=1").text
    assert ds.metadata("columns", "juesuan", "facts")["value_wan"][:10] in page  # column descriptions still shown
