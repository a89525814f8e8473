"""A generator of synthetic 部门决算 documents, for measuring the pipeline at scale.

Why not copies of the five sources with new ids: copies repeat the same figures,
bodies and sentence shapes, so caches, indexes, facets and the year-on-year
rules see an unrealistically small set of distinct values. Here each body is a
county-level medical-insurance body with its own name, place and GB/T 2260-like
code; it reports several consecutive fiscal years (2016–2024) whose figures
add up (basic = personnel + public, shares, year-on-year changes), with a few
realistic errors injected (a figure that does not add up, a 万元 printed as 元).
Sentence shapes come from `synth.yml` (data drawn from the real sources), with
the ten sections of the 情况说明, a flattened table, PDF-style hard line
breaks and Word bookmark residue on some documents. Everything is drawn from
one `random.Random(seed)`, so a corpus is reproducible byte for byte.

`write_corpus` writes a data root (data/sources, data/curated, metadata.yml,
expectations/) that the pipeline reads when `JUESUAN_ROOT` points at it; it
writes one document at a time, so memory does not grow with the corpus.
"""
from __future__ import annotations

import csv
import hashlib
import math
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml

from juesuan.paths import ROOT

TEMPLATES = Path(__file__).with_name("synth.yml")
CENT = Decimal("0.01")
YEARS = range(2016, 2025)
YEARS_PER_BODY = 3
SOURCE_COLUMNS = (
    "doc_id", "file", "original_name", "sha256", "bytes", "entity_id", "entity_name_stated",
    "fiscal_year", "doc_kind", "sections", "report_date", "note",
)
ENTITY_COLUMNS = ("entity_id", "name", "name_en", "kind", "parent_body", "province", "prefecture", "county",
                  "division_code", "note")
# vocabularies shared by every corpus; every other curated CSV is keyed by document or body, so the
# synthetic corpus writes its own entities.csv and the rest header-only (whatever files exist then)
SHARED_CURATED = ("metrics.csv", "classification.csv")
GENERATED_CURATED = ("entities.csv",)


@dataclass(frozen=True)
class Body:
    entity_id: str
    name: str
    kind_stated: str
    kind: str
    province: str
    prefecture: str
    county: str
    division_code: str
    first_year: int


def load_templates(path: Path = TEMPLATES) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def make_body(index: int, t: dict[str, Any]) -> Body:
    """Body `index` (0-based): its own rng, so body k is the same in any corpus size."""
    rnd = random.Random(f"body-{index}")
    places = t["places"]
    province, pcode, suffix = places[index % len(places)]
    rest = index // len(places)
    pref_no, county_no = rest // 80 + 1, rest % 80 + 1
    syl = t["syllables"]
    prefecture = rnd.choice(syl) + rnd.choice(syl) + suffix
    county = rnd.choice(syl) + rnd.choice(syl) + rnd.choice(t["county_suffix"])
    name_suffix, kind_stated, kind = rnd.choice(t["kinds"])
    return Body(
        entity_id=f"synth-{index:06d}", name=county + name_suffix, kind_stated=kind_stated, kind=kind,
        province=province, prefecture=prefecture, county=county,
        division_code=f"{pcode}{pref_no:02d}{county_no:02d}",
        first_year=rnd.randint(YEARS.start, YEARS.stop - YEARS_PER_BODY),
    )


def money(rnd: random.Random, low: float, high: float) -> Decimal:
    return Decimal(rnd.randint(int(low * 100), int(high * 100))) / 100


def pct(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(CENT, ROUND_HALF_UP) if whole else Decimal(0)


def split(rnd: random.Random, total: Decimal, weights: list[float]) -> list[Decimal]:
    """`total` in parts that add up exactly (the last takes the rounding)."""
    s = sum(weights)
    parts = [(total * Decimal(w / s)).quantize(CENT) for w in weights[:-1]]
    return [*parts, total - sum(parts, Decimal(0))]


class Doc:
    """One document's figures and its rendering; `fmt` keeps one number style per document."""

    def __init__(self, rnd: random.Random, body: Body, year: int, t: dict[str, Any], prev: Doc | None = None) -> None:
        self.rnd, self.body, self.year, self.t, self.prev = rnd, body, year, t, prev
        self.strip_zeros = rnd.random() < 0.5
        self.error = ""
        self.v: dict[str, Any] = {}
        self._figures()

    def fmt(self, d: Decimal) -> str:
        s = format(d.quantize(CENT), "f")
        if self.strip_zeros and "." in s:
            s = s.rstrip("0").rstrip(".")
        return s

    def _change(self, name: str, now: Decimal, before: Decimal) -> None:
        """`{name}_change`, `_pct`, `_updown`, `_rise`: the year-on-year sentence parts."""
        diff = now - before
        self.v.update({f"{name}_change": abs(diff), f"{name}_pct": abs(pct(diff, before)),
                       f"{name}_updown": "增加" if diff >= 0 else "减少", f"{name}_rise": "增长" if diff >= 0 else "下降"})

    def _figures(self) -> None:
        rnd, v = self.rnd, self.v
        personnel = money(rnd, 60, 900)
        public = money(rnd, 5, 120)
        basic = personnel + public
        project = money(rnd, 0, 400) if rnd.random() < 0.8 else Decimal(0)
        expenditure = basic + project
        carry_begin = money(rnd, 0, 60) if rnd.random() < 0.3 else Decimal(0)
        carry_end = money(rnd, 0, 40) if rnd.random() < 0.3 else Decimal(0)
        income = expenditure + carry_end - carry_begin
        if income <= 0:
            carry_end, income = carry_begin, expenditure
        other = money(rnd, 1, float(income) * 0.1 + 1) if rnd.random() < 0.2 and income > 20 else Decimal(0)
        fiscal = income - other
        grand = income + carry_begin
        gb_total = expenditure - other if expenditure > other else expenditure
        vehicle = money(rnd, 0.5, 9) if rnd.random() < 0.5 else Decimal(0)
        reception = money(rnd, 0.01, 3) if rnd.random() < 0.8 else Decimal(0)
        three = vehicle + reception
        now = {"grand": grand, "fiscal": fiscal + carry_begin, "gb": gb_total, "three": three, "run": public}
        for name, x in now.items():  # last year's figure: the previous report's, or made up for the first
            before = self.prev.v[name] if self.prev else (x / Decimal(1 + rnd.uniform(-0.3, 0.5))).quantize(CENT)
            self._change(name, x, before)
        v.update(
            personnel=personnel, public=public, basic=basic, project=project, expenditure_total=expenditure,
            carry_begin=carry_begin, carry_end=carry_end, income_total=income, income_fiscal=fiscal,
            income_other=other, grand=grand, fiscal=fiscal + carry_begin, gb=gb_total, three=three, run=public,
            basic_pct=pct(basic, expenditure), project_pct=pct(project, expenditure),
            income_fiscal_pct=pct(fiscal, income), income_other_pct=pct(other, income),
            fiscal_total=fiscal + carry_begin, gb_total=gb_total, gb_share=pct(gb_total, expenditure),
            vehicle=vehicle, reception=reception, three_total=three,
            vehicle_pct=pct(vehicle, three), reception_pct=pct(reception, three),
            three_done=Decimal(rnd.randint(40, 100)),
            procurement=money(rnd, 0, 150) if rnd.random() < 0.6 else Decimal(0),
            batches=rnd.randint(1, 30), vehicles=rnd.randint(0, 3), projects=rnd.randint(1, 8),
            staff_authorized=rnd.randint(6, 60), offices=rnd.randint(2, 8), done=Decimal(100),
        )
        # reception's budget (reception / completion) must fit inside the 三公 budget (three / completion)
        least = math.ceil(reception * v["three_done"] / three) if three else 0
        v["reception_done"] = Decimal(max(rnd.randint(30, 100), int(least)))
        v["staff_actual"] = v["staff_authorized"] + rnd.randint(-3, 12)
        v["persons"] = v["batches"] * rnd.randint(2, 12)
        goods = (v["procurement"] * Decimal(rnd.uniform(0, 1))).quantize(CENT)
        v["proc_goods"], v["proc_services"] = goods, v["procurement"] - goods
        if rnd.random() < 0.05:  # realistic errors: a figure that does not add up, a unit slip
            kind = rnd.choice(["personnel", "basic_pct", "unit"])
            if kind == "personnel":
                v["personnel"] = personnel + money(rnd, 0.01, 5)
                self.error = "personnel + public differs from basic (personnel raised)"
            elif kind == "basic_pct":
                v["basic_pct"] = v["basic_pct"] + Decimal(rnd.randint(1, 9))
                self.error = "share of basic expenditure off by whole points"
            else:
                self.error = "personnel printed in 元 where 万元 is meant"
        self.unit_slip = self.error.startswith("personnel printed")

    def values(self) -> dict[str, str]:
        """The figures as printed, plus the words of this document."""
        out = {k: self.fmt(x) if isinstance(x, Decimal) else x for k, x in self.v.items()}
        rnd, b = self.rnd, self.body
        out.update(
            year=str(self.year), prev=str(self.year - 1), body=b.name, county=b.county, kind=b.kind_stated,
            scope="全" + b.county[-1], party=b.county[-1] + "委、" + b.county[-1] + "政府",
            level=b.county[-1] + "属", rank=rnd.choice(["正科级", "副科级", ""]),
            founded=str(min(self.year, 2019)), month=str(rnd.randint(1, 12)),
            reason=rnd.choice(self.t["reasons"]), saving=rnd.choice(self.t["savings"]),
        )
        other = self.v["income_other"]
        out["other_income"] = rnd.choice(self.t["other_income"]).format(**out) if other else ""
        return out

    def pick(self, key: str, vals: dict[str, str]) -> str:
        return str(self.rnd.choice(self.t[key])).format(**vals)

    def functions(self, vals: dict[str, str]) -> Iterator[tuple[dict[str, Any], Decimal, list[Decimal]]]:
        """The general-budget spending by 类 and by 项, adding up to the total."""
        weights = [self.rnd.uniform(0.05, 0.15), self.rnd.uniform(0.6, 0.9), self.rnd.uniform(0.03, 0.1)]
        classes = [f for f in self.t["functions"] if f["years"][0] <= self.year <= f["years"][1]]
        for f, amount in zip(classes, split(self.rnd, self.v["gb_total"], weights), strict=True):
            n = self.rnd.randint(1, len(f["items"]))
            yield f, amount, split(self.rnd, amount, [self.rnd.random() + 0.1 for _ in range(n)])

    def render(self) -> tuple[str, list[str]]:
        """The document's text and the section names it has."""
        t, rnd = self.t, self.rnd
        vals = self.values()
        parts = rnd.choice(t["part_heading"])
        num = rnd.choice(t["numbering"])
        sub = rnd.choice(t["sub_numbering"])
        bookmark = rnd.random() < 0.4
        lines: list[str] = []

        def head(text: str) -> None:
            mark = f"[bookmark: _Toc{rnd.randint(10000000, 99999999)}]" if bookmark else ""
            lines.append(mark + text)

        head(" " + parts[0].format(**vals))
        head(f"{num[0]}主要职责")
        duties = rnd.sample(t["duties"], rnd.randint(5, len(t["duties"])))
        lines += [f"{i}、{d.format(**vals)}" for i, d in enumerate(duties, 1)]
        head(f"{num[1]}机构设置")
        lines.append(self.pick("setup", vals))
        lines.append("")
        head(parts[1].format(**vals))
        lines.append("收入支出决算总表")
        lines.append("单位：万元")
        lines.append("项目\t决算数")
        for label, key in t["table_rows"]:
            lines.append(f"{label}\t{vals.get(key, '0')}")
        lines.append("")
        head(parts[2].format(**vals))
        s = t["sections"]
        head(num[0] + s[0])
        lines.append(self.pick("grand", vals))
        head(num[1] + s[1])
        lines.append(self.pick("income", vals))
        head(num[2] + s[2])
        lines.append(self.pick("expenditure", vals) + (self.pick("carryover", vals) if rnd.random() < 0.5 else ""))
        head(num[3] + s[3])
        lines.append(self.pick("fiscal_total", vals))
        head(num[4] + s[4])
        head(f"{sub[0]}一般公共预算财政拨款支出决算总体情况")
        lines.append(self.pick("gb_overall", vals))
        funcs = list(self.functions(vals))
        head(f"{sub[1]}一般公共预算财政拨款支出决算结构情况")
        items = [str(rnd.choice(t["gb_structure_item"])).format(
            name=f["name"], short=f["short"], amount=self.fmt(a), pct=self.fmt(pct(a, self.v["gb_total"]))) for f, a, _ in funcs]
        lines.append(self.pick("gb_structure_lead", vals) + "；".join(items) + "。")
        head(f"{sub[2]}一般公共预算财政拨款支出决算具体情况")
        lines.append(self.pick("gb_detail_lead", vals))
        for n, (f, a, subs) in enumerate(funcs, 1):
            subtexts = "；".join(str(rnd.choice(t["gb_detail_sub"])).format(name=name, code=code, amount=self.fmt(x))
                                for (code, name), x in zip(f["items"], subs, strict=False))  # the first n items
            lines.append(str(rnd.choice(t["gb_detail_item"])).format(
                n=n, name=f["name"], code=f["code"], amount=self.fmt(a), done=vals["done"], items=subtexts))
        head(num[5] + s[5])
        lines.append(self.pick("basic", vals))
        personnel = self.pick("personnel", vals)
        if self.unit_slip:
            personnel = personnel.replace(f"{vals['personnel']}万元", f"{vals['personnel']}元", 1)
        lines.append(personnel)
        lines.append("　　" + self.pick("public", vals))
        head(num[6] + s[6])
        head(f"{sub[0]}“三公”经费财政拨款支出决算总体情况说明")
        lines.append(self.pick("three_overall", vals))
        head(f"{sub[1]}“三公”经费财政拨款支出决算具体情况说明")
        lines.append(self.pick("three_detail", vals))
        lines += [self.pick("abroad", vals), self.pick("vehicle", vals), self.pick("reception", vals)]
        head(num[7] + s[7])
        lines.append(self.pick("fund", vals))
        head(num[8] + s[8])
        lines.append(self.pick("capital", vals))
        head(num[9] + s[9])
        for i, (title, key) in enumerate((("机关运行经费支出情况", "running"), ("政府采购支出情况", "procurement"),
                                          ("国有资产占有使用情况", "assets"), ("预算绩效管理情况", "performance"))):
            head(f"{sub[i]}{title}")
            lines.append(self.pick(key, vals))
        lines.append("")
        head(parts[3].format(**vals))
        gloss = rnd.sample(t["glossary"], rnd.randint(6, len(t["glossary"])))
        lines += [f"{i}.{g}" for i, g in enumerate(gloss, 1)]
        lines += ["", self.body.name, "", self.report_date_text()]
        if rnd.random() < 0.2:  # converted from PDF: hard line breaks inside sentences and numbers
            width = rnd.randint(28, 46)
            lines = [ln[i:i + width] for ln in lines for i in range(0, max(len(ln), 1), width)]
        sections = [p.split(" ", 1)[1].format(**vals) for p in parts]
        return "\n".join(lines) + "\n", sections

    def report_date_text(self) -> str:
        d = self.report_date()
        return f"{d[:4]}年{int(d[5:7])}月{int(d[8:])}日"

    def report_date(self) -> str:
        r = random.Random(f"{self.body.entity_id}-{self.year}-date")
        return f"{self.year + 1}-{r.randint(6, 9):02d}-{r.randint(1, 28):02d}"


def documents(n: int, seed: int = 0, t: dict[str, Any] | None = None) -> Iterator[tuple[Body, int, Doc]]:
    """`n` documents: body i // YEARS_PER_BODY, consecutive years from its first."""
    t = t or load_templates()
    body: Body | None = None
    prev: Doc | None = None
    for i in range(n):
        if i % YEARS_PER_BODY == 0:
            body, prev = make_body(i // YEARS_PER_BODY, t), None
        assert body is not None
        year = body.first_year + i % YEARS_PER_BODY
        doc = Doc(random.Random(f"{seed}-{i}"), body, year, t, prev)
        yield body, year, doc
        prev = doc  # keeps one document's figures: the next year states its changes against them


def write_corpus(root: Path, n: int, seed: int = 0, template_root: Path = ROOT) -> Path:
    """A data root with `n` generated documents; shared vocabularies and the GX
    suites are copied from `template_root`. Returns `root`."""
    sources = root / "data" / "sources"
    curated = root / "data" / "curated"
    sources.mkdir(parents=True, exist_ok=True)
    curated.mkdir(parents=True, exist_ok=True)
    for name in SHARED_CURATED:
        shutil.copy(template_root / "data" / "curated" / name, curated / name)
    for path in sorted((template_root / "data" / "curated").glob("*.csv")):
        if path.name not in SHARED_CURATED + GENERATED_CURATED:
            header = path.read_text(encoding="utf-8").split("\n", 1)[0]
            (curated / path.name).write_text(header + "\n", encoding="utf-8")
    shutil.copy(template_root / "metadata.yml", root / "metadata.yml")
    if (template_root / "expectations").is_dir():
        shutil.copytree(template_root / "expectations", root / "expectations", dirs_exist_ok=True)
    with open(sources / "sources.csv", "w", encoding="utf-8", newline="") as sfh, \
            open(curated / "entities.csv", "w", encoding="utf-8", newline="") as efh:
        sw = csv.writer(sfh, lineterminator="\n")
        ew = csv.writer(efh, lineterminator="\n")
        sw.writerow(SOURCE_COLUMNS)
        ew.writerow(ENTITY_COLUMNS)
        last = ""
        for i, (body, year, doc) in enumerate(documents(n, seed)):
            if body.entity_id != last:
                ew.writerow((body.entity_id, body.name, f"{body.county} medical insurance body (synthetic)", body.kind,
                             "", body.province, body.prefecture, body.county, body.division_code,
                             "Synthetic body for the scale benchmark."))
                last = body.entity_id
            text, sections = doc.render()
            raw = text.encode("utf-8")
            doc_id = f"{body.entity_id}-{year}"
            (sources / f"{doc_id}.txt").write_bytes(raw)
            sw.writerow((doc_id, f"{doc_id}.txt", f"synth_{i:06d}.txt", hashlib.sha256(raw).hexdigest(), len(raw),
                         body.entity_id, body.name, year, "部门决算", ";".join(sections), doc.report_date(),
                         "Synthetic document" + (f"; injected error: {doc.error}" if doc.error else "") + "."))
    return root
