"""The published site in a real browser: headless Chromium (Debian's chromium and
chromium-driver) driven by Selenium against the real server on a loopback port.
Screenshots go to build/screenshots/."""
from __future__ import annotations

import os
import shutil
import sqlite3
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import datasette_server
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
    env = dict(os.environ, JUESUAN_DIST=str(dist))
    extra = ["--plugins-dir", str(ROOT / "plugins"), "--template-dir", str(ROOT / "templates"),
             "--static", f"dist:{dist}", "--setting", "allow_download", "off"]
    with datasette_server(built["sqlite"], built["metadata"], tmp_path_factory.mktemp("log") / "datasette.log",
                          extra, env) as base:
        yield base


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


def test_home_lists_downloads(site, browser):
    browser.get(site + "/")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.downloads tr")
    assert len(rows) > 5
    text = browser.find_element(By.CSS_SELECTOR, "table.downloads").text
    assert "juesuan-datapackage.zip" in text and "juesuan.duckdb" in text
    assert len([c for c in browser.find_elements(By.CSS_SELECTOR, "table.downloads code") if len(c.text) == 64]) == len(rows) - 1
    browser.save_screenshot(str(SHOTS / "home.png"))


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


def test_dashboard_draws_every_chart(site, browser):
    browser.get(site + "/-/dashboards/overview")
    charts = ["income-expenditure", "basic-project", "three-public", "checks-outcome"]

    def drawn(drv):
        return all(drv.find_elements(By.CSS_SELECTOR, f"#chart-{c} svg .mark-rect path") for c in charts)

    WebDriverWait(browser, 20).until(drawn)
    for c in charts:
        assert len(browser.find_elements(By.CSS_SELECTOR, f"#chart-{c} svg .mark-rect path")) >= 3, c
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
