"""Tables the SQLite build derives from the package so the site's pages stay
cheap at any corpus size (issue 12): each is a function of the loaded tables,
created after them, and indexed for the one lookup it serves.

- `check_facts`: one row per (check, fact it involves). `checks.facts` holds
  the ids semicolon-separated, as the package publishes them; "which checks
  involve this figure" on that column is a LIKE over every check (71 ms per
  provenance page at 1,000 documents); on this table it is an index lookup.
- `facet_counts`: the count of each value of each facet column metadata.yml
  declares, over the whole table. Datasette counts a facet with a GROUP BY
  over all rows on every unfiltered table page (~10 ms per facet at 76k facts,
  growing with the corpus); the site's facet class (plugins/juesuan_facets.py)
  reads these rows instead when the page has no filter. The database is
  immutable once built, so the counts cannot go stale.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import sqlite_utils
import yaml

from juesuan.paths import METADATA_YML

LINK_TABLE = "check_facts"
FACET_COUNTS = "facet_counts"


def _check_links(db: sqlite_utils.Database) -> Iterator[tuple[str, str, int]]:
    for check_id, facts in db.execute("select check_id, facts from checks where facts is not null and facts != ''"):
        for position, fact_id in enumerate(f for f in facts.split(";") if f):
            yield check_id, fact_id, position + 1


def build_check_facts(db: sqlite_utils.Database) -> int:
    """The check↔fact link table, indexed by fact (the provenance page's lookup);
    returns its row count. A fact id a check cites is kept even when the facts
    table lacks it: the link records what the check says, as the column does."""
    if not db.table("checks").exists():
        return 0
    db.execute(f"drop table if exists [{LINK_TABLE}]")
    db.table(LINK_TABLE).create({"check_id": str, "fact_id": str, "position": int},
                                pk=("check_id", "position"),
                                foreign_keys=[("check_id", "checks", "check_id"), ("fact_id", "facts", "fact_id")])
    with db.conn:
        db.conn.executemany(f"insert into [{LINK_TABLE}] (check_id, fact_id, position) values (?, ?, ?)",
                            _check_links(db))
    db.table(LINK_TABLE).create_index(["fact_id", "check_id"])
    return int(db.execute(f"select count(*) from [{LINK_TABLE}]").fetchone()[0])


def declared_facets(metadata_yml: Path = METADATA_YML) -> list[tuple[str, str]]:
    """(table, column) of every simple column facet metadata.yml declares."""
    meta = yaml.safe_load(metadata_yml.read_text(encoding="utf-8")) or {}
    out: list[tuple[str, str]] = []
    for database in (meta.get("databases") or {}).values():
        for table, cfg in ((database or {}).get("tables") or {}).items():
            for facet in (cfg or {}).get("facets") or []:
                column = facet if isinstance(facet, str) else (facet.get("simple") if isinstance(facet, dict) else None)
                if isinstance(column, str) and (table, column) not in out:
                    out.append((table, column))
    return out


def build_facet_counts(db: sqlite_utils.Database, metadata_yml: Path = METADATA_YML) -> int:
    """Every declared facet's value counts over its whole table; returns the rows written.
    `value` has no declared type, so each value keeps the type of its column
    (an integer year stays an integer, as the GROUP BY would return it)."""
    db.execute(f"drop table if exists [{FACET_COUNTS}]")
    db.execute(f"create table [{FACET_COUNTS}] ([table_name] text not null, [column_name] text not null, "
               "[value], [count] integer not null, primary key ([table_name], [column_name], [value]))")
    with db.conn:
        for table, column in declared_facets(metadata_yml):
            t = db.table(table)
            if not t.exists() or column not in t.columns_dict:
                continue
            db.execute(f"insert into [{FACET_COUNTS}] select ?, ?, [{column}], count(*) from [{table}] "
                       f"where [{column}] is not null group by [{column}]", (table, column))
    # the facet's own order: most frequent first, then by value
    db.execute(f"create index [idx_{FACET_COUNTS}_order] on [{FACET_COUNTS}] "
               "([table_name], [column_name], [count] desc, [value])")
    return int(db.execute(f"select count(*) from [{FACET_COUNTS}]").fetchone()[0])


def build_derived(db: sqlite_utils.Database, metadata_yml: Path = METADATA_YML) -> None:
    """All derived tables, then fresh planner statistics for them."""
    build_check_facts(db)
    build_facet_counts(db, metadata_yml)
    for table in (LINK_TABLE, FACET_COUNTS):
        db.analyze(table)
