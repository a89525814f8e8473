"""The published site in a real browser: headless Chromium (Debian's chromium and
chromium-driver) driven by Selenium against the real server on a loopback port.
Screenshots go to build/screenshots/."""
from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import urllib.error
import urllib.parse
import urllib.request

import pytest

from juesuan.bench.server import running_server
from juesuan.paths import BUILD, ROOT

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
if not (CHROMIUM and DRIVER):
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's chromium and chromium-driver (see .ci/run)")
    pytest.skip("Debian's chromium and chromium-driver are not installed", allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

SHOTS = BUILD / "screenshots"


@pytest.fixture(scope="module")
def site(built, tmp_path_factory):
    from juesuan.publish.dist import build_dist

    dist = build_dist(tmp_path_factory.mktemp("dist") / "dist", built["duckdb"].parent)
    log = tmp_path_factory.mktemp("log") / "datasette.log"
    with running_server(log, db=built["sqlite"], metadata=built["metadata"], dist=dist) as server:  # `make serve`'s arguments
        yield server.base


@pytest.fixture(scope="module")
def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--window-size=1400,1000"):
        opts.add_argument(arg)
    drv = webdriver.Chrome(service=Service(DRIVER), options=opts)
    drv.set_page_load_timeout(30)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield drv
    drv.quit()


def test_home_leads_with_the_data(site, browser, built):
    """Statement, search, the findings per document, the dashboard, then browse and downloads, in that order."""
    browser.get(site + "/")
    sections = [e.get_attribute("id") for e in browser.find_elements(By.CSS_SELECTOR, "section.home")]
    assert sections[:4] == ["search", "findings", "dashboard", "browse"] and "downloads" in sections[4:]
    assert "医疗保障局" in browser.find_element(By.CSS_SELECTOR, ".statement").text
    con = sqlite3.connect(built["sqlite"])
    figures, findings = con.execute("select (select count(*) from facts), (select count(*) from findings)").fetchone()
    assert f"{figures:,} figures, {findings} findings" in browser.find_element(By.CSS_SELECTOR, ".totals").text
    assert browser.find_element(By.CSS_SELECTOR, "form.site-search input[name=q]").is_displayed()
    # every link on the page is the site's own or the licence's legal code: no placeholder repository
    hrefs = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a[href]")]
    outside = {h for h in hrefs if not h.startswith(site) and not h.startswith("https://creativecommons.org/")
               and not h.startswith("https://datasette.io")}
    assert not outside, outside
    for path in ("/-/about", "/-/licence"):
        assert any(h == site + path for h in hrefs), path
    browser.save_screenshot(str(SHOTS / "home.png"))
    text = browser.find_element(By.CSS_SELECTOR, "table.downloads.whole").text
    assert "juesuan-datapackage.zip" in text and "juesuan.duckdb" in text
    excel = browser.find_elements(By.CSS_SELECTOR, "table.per-table a[href*='/csv-excel/']")
    n_tables = len(json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["resources"])
    assert len(excel) == n_tables  # one Excel CSV per table of the package
    with urllib.request.urlopen(excel[0].get_attribute("href"), timeout=10) as r:
        body = r.read()
        assert body.startswith("\ufeff".encode()) and r.headers["content-type"].startswith("text/csv")
    duck = browser.find_element(By.XPATH, "//table[contains(@class,'whole')]//a[text()='juesuan.duckdb']").get_attribute("href")
    with urllib.request.urlopen(duck, timeout=10) as r:
        assert r.headers["content-type"] == "application/octet-stream" and r.read(4)
    browser.execute_script("arguments[0].scrollIntoView()", browser.find_element(By.CSS_SELECTOR, "#downloads"))
    browser.save_screenshot(str(SHOTS / "home-downloads.png"))


def test_from_a_fact_to_its_sentence(site, browser, built):
    browser.get(site + "/juesuan/facts?metric=basic_personnel&_sort=fact_id")
    link = WebDriverWait(browser, 10).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "td.col-quote a.quote")))
    fact_id = link.find_element(By.XPATH, "ancestor::tr").find_element(By.CSS_SELECTOR, "td.col-fact_id").text
    link.click()
    WebDriverWait(browser, 10).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "mark.quote")))
    quote = sqlite3.connect(built["sqlite"]).execute("select quote from facts where fact_id = ?", (fact_id,)).fetchone()[0]
    marked = "".join(m.text for m in browser.find_elements(By.CSS_SELECTOR, ".src mark.quote"))
    assert marked.replace("\n", "") == quote.replace("\n", "").replace("\t", "") or quote.replace("\n", "") in marked
    number = browser.find_element(By.CSS_SELECTOR, "mark.number")
    assert number.is_displayed() and number.text.strip() in quote
    assert browser.find_element(By.CSS_SELECTOR, "td.section").text.strip()
    browser.save_screenshot(str(SHOTS / "provenance.png"))


def test_dashboard_draws_every_chart(site, browser, built):
    browser.get(site + "/-/dashboards/overview")
    charts = ["income-expenditure", "basic-project", "three-public", "findings-severity", "checks-outcome"]

    def drawn(drv):
        return all(drv.find_elements(By.CSS_SELECTOR, f"#chart-{c} svg .mark-rect path") for c in charts)

    WebDriverWait(browser, 20).until(drawn)
    bodies = sqlite3.connect(built["sqlite"]).execute("select count(*) from documents").fetchone()[0]
    for c in charts:
        assert len(browser.find_elements(By.CSS_SELECTOR, f"#chart-{c} svg .mark-rect path")) >= 3, c
        # the bodies' labels are in fiscal-year order and not cut ("…")
        labels = [t.text for t in browser.find_elements(By.CSS_SELECTOR, f"#chart-{c} svg .role-axis-label text")
                  if re.match(r"^(19|20)\d\d ", t.text)]
        first = list(dict.fromkeys(labels))
        assert 3 <= len(first) <= bodies and first == sorted(first), (c, labels)
        legend = " ".join(t.text for t in browser.find_elements(By.CSS_SELECTOR, f"#chart-{c} svg .role-legend-label text"))
        assert "…" not in legend, (c, legend)
    browser.save_screenshot(str(SHOTS / "dashboard.png"))


def test_search_finds_chinese_terms(site, browser):
    for term, shot in (("公务接待", "search.png"), ("医保", None)):
        browser.get(site + "/juesuan/search_sentences?q=" + urllib.request.quote(term))
        links = WebDriverWait(browser, 10).until(
            EC.presence_of_all_elements_located((By.CSS_SELECTOR, "td a.source-line")))
        assert len(links) >= 3 and all(term in a.text for a in links)
        if shot:
            browser.save_screenshot(str(SHOTS / shot))
    links[0].click()
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".src-line:target")))


def test_pathological_query_is_cut_off(site):
    q = urllib.parse.urlencode({"sql": "with recursive r(i) as (select 1 union all select i + 1 from r) select count(*) from r"})
    req = urllib.request.Request(site + "/juesuan.json?" + q)
    try:
        body = urllib.request.urlopen(req, timeout=30).read().decode()
    except urllib.error.HTTPError as exc:
        body = exc.read().decode()
    assert "too long" in body.lower() or "interrupted" in body.lower()


# --- four journeys a journalist makes, end to end; every answer is computed from the data here ---

def _db(built) -> sqlite3.Connection:
    con = sqlite3.connect(built["sqlite"])
    con.row_factory = sqlite3.Row
    return con


def _cells(browser, column: str) -> list:
    return browser.find_elements(By.CSS_SELECTOR, f"table.rows-and-columns td.col-{column}")


def _click_link(browser, text: str, within: str = "body") -> None:
    """Click the first link whose text contains `text` inside the `within` element."""
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, within)))
    browser.find_element(By.CSS_SELECTOR, within).find_element(By.PARTIAL_LINK_TEXT, text).click()


def test_journey_which_body_spent_most_on_three_public(site, browser, built):
    """Home → "who spent most on the three public expenses" → the top row is the largest total, and its sentence."""
    con = _db(built)
    top = con.execute("""select t.entity_name, t.fiscal_year, t.amount_wan, t.quote from three_public t
                         where t.metric = 'three_public_total' order by t.amount_wan desc limit 1""").fetchone()
    browser.get(site + "/")
    _click_link(browser, "谁花得最多", within="#browse")
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "table.rows-and-columns")))
    first = browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    cell = {td.get_attribute("class").split()[0][4:]: td for td in first.find_elements(By.TAG_NAME, "td")}
    assert (cell["entity_name"].text, int(cell["fiscal_year"].text)) == (top["entity_name"], top["fiscal_year"])
    assert float(cell["amount_wan"].text) == top["amount_wan"] and cell["quote"].text == top["quote"]
    browser.save_screenshot(str(SHOTS / "journey-three-public.png"))
    cell["quote"].find_element(By.TAG_NAME, "a").click()
    number = WebDriverWait(browser, 10).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "mark.number")))
    assert number.text.strip() in top["quote"]
    assert top["entity_name"] in browser.find_element(By.CSS_SELECTOR, "table.kv").text


def test_journey_where_the_numbers_dont_add_up(site, browser, built):
    """Home → the findings per document → the list with both sentences → one finding with both marked."""
    con = _db(built)
    expected = {r["doc_id"]: r["n"] for r in con.execute(
        "select doc_id, count(*) as n from findings where severity = 'error' group by doc_id")}
    browser.get(site + "/")
    table = browser.find_element(By.CSS_SELECTOR, "table.findings-per-document")
    shown = {}
    for tr in table.find_elements(By.CSS_SELECTOR, "tr")[1:]:
        shown[tr.find_element(By.CSS_SELECTOR, "td.doc").text] = int(tr.find_element(By.CSS_SELECTOR, "td.errors-count").text)
    assert {d: n for d, n in shown.items() if n} == expected
    browser.execute_script("arguments[0].scrollIntoView()", table)
    browser.save_screenshot(str(SHOTS / "journey-findings-home.png"))
    _click_link(browser, "全部列表与双方原文", within="#findings")
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "table.rows-and-columns")))
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")) == sum(expected.values())
    assert all(td.text for td in _cells(browser, "quote_a"))
    browser.save_screenshot(str(SHOTS / "journey-findings-list.png"))
    link = _cells(browser, "explanation_zh")[0].find_element(By.CSS_SELECTOR, "a.finding")
    finding_id = link.find_element(By.XPATH, "ancestor::tr").find_element(By.CSS_SELECTOR, "td.col-finding_id").text
    link.click()
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".src mark.quote")))
    f = con.execute("select quote_a, quote_b from findings where finding_id = ?", (finding_id,)).fetchone()
    blocks = browser.find_elements(By.CSS_SELECTOR, "div.src")
    marked = ["".join(m.text for m in b.find_elements(By.CSS_SELECTOR, "mark.quote")) for b in blocks]
    flat = [m.replace("\n", "") for m in marked]
    for q in (f["quote_a"], f["quote_b"]):
        if q:
            assert any(q.replace("\n", "").replace("\t", "") in m.replace("\t", "") for m in flat), q
    browser.save_screenshot(str(SHOTS / "journey-finding.png"))


def test_journey_kaijiang_2022_basic_vs_project(site, browser, built):
    """Basic vs project spending of 开江县医疗保障局 in 2022, and the sentence that states each."""
    con = _db(built)
    doc = con.execute("""select d.doc_id from documents d join entities e on e.entity_id = d.entity_id
                         where e.name = '开江县医疗保障局' and d.fiscal_year = 2022""").fetchone()["doc_id"]
    truth = {r["metric"]: r for r in con.execute(
        """select metric, value_text, unit, quote, fact_id from facts where doc_id = ? and measure = 'amount'
           and metric in ('expenditure_basic', 'expenditure_project') order by value_start desc""", (doc,))}
    assert set(truth) == {"expenditure_basic", "expenditure_project"}
    browser.get(site + "/")
    _click_link(browser, "基本支出与项目支出占比", within="#browse")
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "table.rows-and-columns")))
    found = {}
    for tr in browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr"):
        cell = {td.get_attribute("class").split()[0][4:]: td for td in tr.find_elements(By.TAG_NAME, "td")}
        if cell["doc_id"].text == doc and cell["measure"].text == "amount":
            found.setdefault(cell["metric"].text, cell)
    for metric, fact in truth.items():
        assert found[metric]["value"].text.startswith(fact["value_text"]), metric
    browser.execute_script("arguments[0].scrollIntoView()", found["expenditure_basic"]["doc_id"])
    browser.save_screenshot(str(SHOTS / "journey-kaijiang-query.png"))
    found["expenditure_basic"]["quote"].find_element(By.TAG_NAME, "a").click()
    number = WebDriverWait(browser, 10).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "mark.number")))
    sentence = browser.find_element(By.CSS_SELECTOR, "blockquote.quote-text").text
    assert number.text.strip() in sentence and sentence in {f["quote"] for f in truth.values()}
    assert "开江县医疗保障局" in browser.find_element(By.CSS_SELECTOR, "table.kv").text
    browser.save_screenshot(str(SHOTS / "journey-kaijiang-provenance.png"))


def test_journey_every_sentence_with_official_cars(site, browser, built):
    """The home-page search for 公务用车 lists every source line a grep finds, highlighted, each linking to its line."""
    term = "公务用车"
    con = _db(built)
    expected = sum(
        sum(1 for line in (ROOT / "data" / "sources" / r["file"]).read_text(encoding="utf-8").splitlines() if term in line)
        for r in con.execute("select file from documents"))
    assert expected
    browser.get(site + "/")
    box = browser.find_element(By.CSS_SELECTOR, "form.site-search input[name=q]")
    box.send_keys(term)
    box.submit()
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#source_text")))
    hits = browser.find_elements(By.CSS_SELECTOR, "#source_text ul.hits li a")
    assert len(hits) == expected
    assert all(term in "".join(m.text for m in a.find_elements(By.CSS_SELECTOR, "mark.hit")) for a in hits)
    facts = browser.find_elements(By.CSS_SELECTOR, "#facts ul.hits li a")
    assert len(facts) == con.execute("select count(*) from facts where instr(quote, ?) or instr(function_name, ?)",
                                     (term, term)).fetchone()[0]
    browser.save_screenshot(str(SHOTS / "journey-search.png"))
    hits[0].click()
    target = WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".src-line:target")))
    assert term in target.text
    browser.save_screenshot(str(SHOTS / "journey-search-source.png"))
