"""The published server under bad input (issue 13): error pages cheap and silent,
bad sorts and paths 400/404 (never 500), values and results bounded, security
headers. (The downloads' content types are tested in test_site_pages.py.)

Most tests drive Datasette in-process with exactly `make serve`'s arguments
(parsed from `make serve-args`); the traceback and dot-segment tests start the
real `datasette serve`, since the cost is in its process and stdout and an HTTP
client library would normalise `/../` away before sending.
"""
from __future__ import annotations

import asyncio
import http.client
import importlib.util
import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from datasette.app import Datasette
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from juesuan.bench.server import running_server, serve_args
from juesuan.paths import ROOT


def datasette_kwargs(args: list[str]) -> dict[str, Any]:
    """Datasette(...) keyword arguments equivalent to `datasette serve ARGS`."""
    kw: dict[str, Any] = {"immutables": [], "settings": {}}
    it = iter(args)
    for arg in it:
        if arg == "-i":
            kw["immutables"].append(next(it))
        elif arg == "--metadata":
            kw["metadata"] = json.loads(Path(next(it)).read_text(encoding="utf-8"))
        elif arg == "--plugins-dir":
            kw["plugins_dir"] = next(it)
        elif arg == "--template-dir":
            kw["template_dir"] = next(it)
        elif arg == "--setting":
            key, value = next(it), next(it)
            kw["settings"][key] = {"on": True, "off": False}.get(value, int(value) if value.isdigit() else value)
        else:
            raise AssertionError(f"serve argument the test does not know: {arg}")
    return kw


@pytest.fixture(scope="module")
def ds(built) -> Datasette:
    return Datasette(**datasette_kwargs(serve_args(db=built["sqlite"], metadata=built["metadata"])))


def get(ds: Datasette, path: str):
    return asyncio.run(ds.client.get(path))


# --- bad sorts and paths: 400/404, never 500 (issue 13, item 10) ---

@pytest.mark.parametrize("query", ["_sort=zzz", "_sort_desc=zzz", "_sort=fact_id&_sort_desc=doc_id"])
def test_bad_sort_is_a_client_error_with_its_reason(ds, query):
    page = get(ds, f"/juesuan/facts?{query}")
    assert page.status_code == 400
    assert "sort" in page.text.lower() and "<html" in page.text.lower()
    data = get(ds, f"/juesuan/facts.json?{query}")
    assert data.status_code == 400
    assert data.json()["ok"] is False and "sort" in data.json()["error"].lower()


@pytest.mark.parametrize("query", ["_timelimit=zzz", "_through=x", "_through=%5B%5D", "_facet_array=%7B%7D",
                                   "_facet=%00", "_next=%5B%5D"])
def test_malformed_datasette_parameters_are_client_errors(ds, query):
    # Datasette 0.65.5 answers each of these with a 500 (int()/json.loads() of the raw value)
    r = get(ds, f"/juesuan/facts.json?{query}")
    assert r.status_code == 400
    assert r.json()["ok"] is False and "parameter" in r.json()["error"]
    assert get(ds, f"/juesuan/facts?{query}").status_code == 400


def test_a_view_pages_by_number(ds):
    assert get(ds, "/juesuan/facts_labelled.json?_next=zzz").status_code == 400  # Datasette: int('zzz'), a 500
    r = get(ds, "/juesuan/facts_labelled.json?_next=5&_size=5&_shape=array")
    assert r.status_code == 200 and len(r.json()) == 5


def test_well_formed_parameters_still_work(ds):
    for query in ("_timelimit=500", "_facet=metric", "_size=max", "_next=100"):
        assert get(ds, f"/juesuan/facts.json?{query}").status_code == 200, query
    # documents with a figure of one metric, through the facts table
    through = urllib.parse.quote('{"table": "facts", "column": "metric", "value": "expenditure_total"}')
    r = get(ds, f"/juesuan/documents.json?_through={through}&_shape=array")
    assert r.status_code == 200 and len(r.json()) > 0


def test_unknown_pages_are_404_pages(ds):
    for path in ("/no/such/page", "/-/provenance/no~3Asuch~3Afact~3A1", "/juesuan/facts/no-such-row"):
        r = get(ds, path)
        assert r.status_code == 404, path
        assert "<html" in r.text.lower()


def test_a_row_page_with_too_few_key_values_is_404(ds):
    # source_text's key is (doc_id, line): Datasette 0.65.5 answers one value with a 500
    for path in ("/juesuan/source_text/1", "/juesuan/source_text/1.json", "/juesuan/source_text/a,b,c"):
        assert get(ds, path).status_code == 404, path
    doc = get(ds, "/juesuan/source_text.json?_size=1&_shape=array").json()[0]
    assert get(ds, f"/juesuan/source_text/{doc['doc_id']},{doc['line']}.json").status_code == 200


def test_absurdly_long_id_is_refused_before_routing(ds):
    r = get(ds, "/-/provenance/" + "x" * 30_000)
    assert r.status_code == 404
    assert "Not found" in r.text and len(r.content) < 2_000  # the short page, not a rendered echo of the id


def test_huge_query_string_is_refused(ds):
    r = get(ds, "/juesuan.json?sql=" + urllib.parse.quote("select 1 -- " + "x" * 40_000))
    assert r.status_code == 414


# --- values and results bounded (issue 13, item 6) ---

def test_a_value_cannot_grow_to_hundreds_of_megabytes(ds):
    q = urllib.parse.urlencode({"sql": "select zeroblob(200000000) as b", "_shape": "array"})
    r = get(ds, f"/juesuan.json?{q}")
    assert r.status_code == 400 and "too big" in r.json()["error"]
    q = urllib.parse.urlencode({"sql": "select length(printf('%.*c', 200000000, 'x')) as n", "_shape": "array"})
    r = get(ds, f"/juesuan.json?{q}")
    assert r.status_code == 400 or r.json()[0]["n"] is None  # SQLite gives up, never builds the 200 MB string


@pytest.mark.parametrize("sql", ["select printf('%.*c', 2000000000, 'x') as v", "select format('%2000000000c', 'x') as v"])
def test_printf_answers_null_for_a_huge_width(ds, sql):
    r = get(ds, "/juesuan.json?" + urllib.parse.urlencode({"sql": sql, "_shape": "array", "_timelimit": "100"}))
    assert r.status_code == 200 and r.json() == [{"v": None}]


@pytest.mark.parametrize("fmt, args", [("%20c", ("x",)), ("%.20c", ("x",)), ("%.*c", (20, "x")), ("%*d", (-20, 1))])
def test_printf_refuses_a_width_over_the_bound_before_formatting(fmt, args):
    # SQLite's own printf pads for 13-50 s (uninterruptible) before answering NULL; with
    # a bound of 10 it would still build these 20-character strings, so None means the
    # bound refused them without formatting (the seconds saved are the soak's to print)
    printf = plugin("juesuan_sqlite_limits").bounded_printf(10)
    assert printf(fmt, *args) is None
    assert printf(fmt.replace("20", "10"), *[10 if a == 20 else -10 if a == -20 else a for a in args]) is not None


def test_printf_still_formats(ds):
    sql = "select printf('%5.2f|%s|%*d', 3.14159, 'ab', 4, 42) as a, format('%03d', 7) as b"
    r = get(ds, "/juesuan.json?" + urllib.parse.urlencode({"sql": sql, "_shape": "array"}))
    assert r.json() == [{"a": " 3.14|ab|  42", "b": "007"}]


def test_many_rows_just_under_the_value_cap_are_refused(ds):
    sql = "select printf('%.*c', 1500000, 'x') as big from source_text limit 200"
    r = get(ds, "/juesuan.json?" + urllib.parse.urlencode({"sql": sql}))
    assert r.status_code == 400 and "too large" in r.json()["error"]


def test_ordinary_large_pages_still_answer(ds):
    r = get(ds, "/juesuan/source_text.json?_size=max&_shape=array")
    assert r.status_code == 200 and len(r.json()) > 100


# --- headers and content types (issue 13, item 10) ---

def test_every_response_carries_the_security_headers(ds):
    for path, status in (("/", 200), ("/juesuan/facts.json", 200), ("/no/such/page", 404),
                         ("/-/provenance/" + "x" * 5_000, 404), ("/-/versions.json", 200)):
        r = get(ds, path)
        assert r.status_code == status, path
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"]
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "unsafe-eval" not in csp


def test_only_the_dashboards_may_evaluate_code(ds):
    r = get(ds, "/-/dashboards/overview")
    if r.status_code == 404:
        pytest.skip("datasette-dashboards is not loaded in this process")
    assert "'unsafe-eval'" in r.headers["content-security-policy"]


def test_build_dist_is_not_served_whole(ds):
    """Downloads go through /-/download/, which serves only what manifest.json lists; no static mount
    exposes the rest of build/dist (a stray file left there by hand)."""
    assert "--static" not in serve_args()
    assert get(ds, "/dist/manifest.json").status_code == 404


def test_table_permissions_still_apply_when_computed_once(built):
    kw = datasette_kwargs(serve_args(db=built["sqlite"], metadata=built["metadata"]))
    kw["metadata"]["databases"]["juesuan"]["tables"].setdefault("checks", {})["allow"] = False
    private = Datasette(**kw)
    assert get(private, "/juesuan/checks").status_code == 403
    assert get(private, "/juesuan/checks").status_code == 403  # the second answer comes from the memo
    assert get(private, "/juesuan/facts").status_code == 200
    assert '/juesuan/checks"' not in get(private, "/juesuan").text


# --- the real server: no traceback printed, a 404 costs milliseconds (issue 13, item 1) ---

@pytest.fixture(scope="module")
def real(built, tmp_path_factory):
    log = tmp_path_factory.mktemp("serve") / "datasette.log"
    with running_server(log, db=built["sqlite"], metadata=built["metadata"]) as server:
        yield server


def raw_get(base: str, path: str) -> tuple[int, bytes]:
    """GET with the path sent exactly as given (no client-side normalisation)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def test_dot_segments_are_404_not_500(real):
    for path in ("/-/source/../../x", "/-/source/..%2F..%2Fx", "/-/download/../../build/juesuan.db", "/./juesuan"):
        status, _ = raw_get(real.base, path)
        assert status in (302, 404), (path, status)  # Datasette redirects %-escapes to ~-escapes first
        assert status != 500


def test_error_pages_print_no_traceback(real):
    # what an error page costs the server (rich's traceback: ~300 ms of CPU) is printed by `make soak`
    paths = ["/-/provenance/no~3Asuch~3Afact~3A{i}", "/juesuan/facts/no-such-row-{i}", "/no/such/page/{i}",
             "/juesuan/facts?_sort=zzz{i}", "/-/provenance/" + "x" * 30_000 + "{i}"]
    raw_get(real.base, "/")  # templates compiled before measuring
    before = real.log.stat().st_size
    for i in range(40):
        path = paths[i % len(paths)].replace("{i}", str(i))
        status, _ = raw_get(real.base, path)
        assert status in (400, 404), path
    log = real.log.read_bytes()[before:].decode("utf-8", "replace")
    assert "Traceback" not in log and "╭" not in log and "locals" not in log
    assert len(log) < 40 * 400  # an access-log line per request, long paths cut short



# --- a 404 flood is slowed down, successful pages never (issue 13, item 1) ---

def plugin(name: str):
    spec = importlib.util.spec_from_file_location(f"{name}_under_test", ROOT / "plugins" / f"{name}.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_errors_beyond_the_budget_wait_longer_and_longer():
    tarpit = plugin("juesuan_hardening").ErrorTarpit(budget=3, step=0.1, cap=0.25)
    delays = [tarpit.delay("10.0.0.1", 100.0 + i * 0.01) for i in range(6)]
    assert delays[:3] == [0, 0, 0] and 0 < delays[3] < delays[4] and delays[5] == 0.25
    assert tarpit.delay("10.0.0.2", 100.1) == 0  # another client has its own budget
    assert tarpit.delay("10.0.0.1", 101.5) == 0  # a new second, a new budget


@pytest.mark.parametrize("clients", [1, 8, 32])
def test_a_closed_loop_flood_is_held_near_the_drain_rate_whatever_its_concurrency(clients):
    """Simulated clock: each flood connection sends its next error as soon as the last
    one is answered (3 ms of work plus the tarpit's wait). A one-second window let
    32 connections through at ~40 errors a second; the bucket holds them near its rate."""
    import heapq

    tarpit = plugin("juesuan_hardening").ErrorTarpit(budget=20, step=0.05, cap=5.0, rate=5.0)
    queue = [(i * 0.001, i) for i in range(clients)]
    answered_after_warmup = 0
    while queue:
        now, i = heapq.heappop(queue)
        if now > 60:
            break
        wait = tarpit.delay("10.0.0.1", now)
        answered_after_warmup += now > 20
        heapq.heappush(queue, (now + wait + 0.003, i))
    assert answered_after_warmup / 40 < 5.0 + clients / 5.0


def test_a_client_that_stops_erring_gets_its_budget_back():
    tarpit = plugin("juesuan_hardening").ErrorTarpit(budget=5, step=0.1, cap=1.0, rate=5.0)
    assert [tarpit.delay("a", 0.0) for _ in range(5)] == [0.0] * 5
    assert tarpit.delay("a", 0.0) > 0  # the sixth at once waits
    assert tarpit.delay("a", 0.5) == 0.0  # half a second drained 2.5 errors
    assert tarpit.delay("a", 10.0) == 0.0 and tarpit.delay("b", 10.0) == 0.0


def test_only_error_responses_consult_the_tarpit():
    hardening = plugin("juesuan_hardening")
    seen: list[str] = []

    class Recording(hardening.ErrorTarpit):
        def delay(self, client: str, now: float) -> float:
            seen.append(client)
            return 0.0

    def app_answering(status: int):
        async def app(scope, receive, send):
            await send({"type": "http.response.start", "status": status, "headers": []})
            await send({"type": "http.response.body", "body": b""})
        return app

    async def call(status: int, path: str = "/x") -> int:
        sent = []

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
                 "client": ("10.0.0.9", 1234), "headers": []}
        await hardening.harden(app_answering(status), Recording())(scope, None, send)
        return sent[0]["status"]

    assert asyncio.run(call(200)) == 200 and seen == []
    assert asyncio.run(call(404)) == 404 and seen == ["10.0.0.9"]
    assert asyncio.run(call(200, "/" + "x" * 5000)) == 404 and seen == ["10.0.0.9"] * 2  # refused early, counted


# --- no parameter makes a 500 (a bounded, seeded fuzz of the JSON table and row pages) ---

PARAMS = ["_sort", "_sort_desc", "_facet", "_facet_array", "_facet_date", "_size", "_next", "_search", "_where",
          "_col", "_nocol", "_labels", "_shape", "_through", "_timelimit", "_nofacet", "_nocount", "_extra",
          "doc_id__gt", "metric__in", "x__exact", "value__arraycontains", "_searchmode", "_stream"]
VALUES = ["zzz", "", "~", "%", "'", '"', "\x00", "-1", "99999999999999999999", "1e309", "[]", "{}", "../..",
          "医保", "a" * 300, "~2F", ";", "null", "rowid", "{\"simple\": 1}", "1,2"]


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(name=st.sampled_from(["facts", "documents", "source_text", "checks", "findings", "metrics",
                             "facts_labelled", "three_public", "no_such_table"]),
       row=st.sampled_from(["", "/1", "/1,2", "/x~3Ay"]),
       query=st.lists(st.tuples(st.sampled_from(PARAMS), st.sampled_from(VALUES)), max_size=3))
def test_no_parameter_makes_a_server_error(ds, name, row, query):
    url = f"/juesuan/{name}{row}.json" + ("?" + urllib.parse.urlencode(query) if query else "")
    assert get(ds, url).status_code < 500, url


def test_a_plugin_page_cut_off_by_the_time_limit_is_busy_not_broken():
    from datasette.database import QueryInterrupted

    classify = plugin("juesuan_hardening").classify
    assert classify(QueryInterrupted(Exception("interrupted"), "select 1", {}))[0] == 503
    assert classify(RuntimeError("a bug"))[0] == 500
