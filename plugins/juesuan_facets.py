"""Column facets that read precomputed counts on unfiltered table pages.

Why: Datasette 0.65 counts each declared facet with a GROUP BY over the rows
of the page's query. Without a filter that is every row of the table, on every
request: ~10 ms per facet at 76k facts (1,000 documents), 40 ms for the four
facets of the facts page, and it grows with the corpus. The SQLite build
writes each declared facet's counts once into `facet_counts`
(juesuan/publish/derived.py); the database is served immutable, so they are
the counts the GROUP BY would return. With any filter, search or `_where`, the
page's own query is faceted exactly as Datasette does it (the rows are then
the filtered ones, and an index narrows them).

This replaces Datasette's column facet class (same type name, same output,
same toggle links), and keeps its date and array facets.
"""
from __future__ import annotations

import re
from typing import Any

from datasette import hookimpl
from datasette.facets import ArrayFacet, ColumnFacet, DateFacet
from datasette.plugins import pm
from datasette.utils import detect_json1, escape_sqlite, path_with_added_args, path_with_removed_args

FACET_COUNTS = "facet_counts"


async def _counted(datasette: Any, database: str) -> frozenset[tuple[str, str]]:
    """(table, column) pairs with precomputed counts in an immutable database, read once."""
    memo: dict[str, frozenset[tuple[str, str]]] = datasette.__dict__.setdefault("_juesuan_counted_facets", {})
    if database not in memo:
        db = datasette.get_database(database)
        pairs: frozenset[tuple[str, str]] = frozenset()
        if not db.is_mutable and await db.table_exists(FACET_COUNTS):
            rows = await db.execute(f"select distinct table_name, column_name from [{FACET_COUNTS}]")
            pairs = frozenset((r[0], r[1]) for r in rows)
        memo[database] = pairs
    return memo[database]


class CountedColumnFacet(ColumnFacet):
    """Datasette's column facet, answered from `facet_counts` when the page is unfiltered."""

    def _unfiltered(self) -> bool:
        if not self.table or self.params or "_where" in self.request.args:
            return False
        pattern = rf"select .+ from {re.escape(escape_sqlite(self.table))}\s*"
        return re.fullmatch(pattern, self.sql, re.DOTALL) is not None

    async def _precounted(self) -> set[str]:
        if not self._unfiltered():
            return set()
        counted = await _counted(self.ds, self.database)
        return {column for (table, column) in counted if table == self.table}

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        precounted = await self._precounted()
        configs = super().get_configs()
        mine = [c for c in configs if (c["config"].get("column") or c["config"].get("simple")) in precounted]
        if not mine:
            return await super().facet_results()
        self._rest = [c for c in configs if c not in mine]
        try:
            results, timed_out = await super().facet_results() if self._rest else ([], [])
        finally:
            self._rest = None
        by_name = {r["name"]: r for r in results} | {r["name"]: r for r in [await self._counted_result(c) for c in mine]}
        ordered = [by_name.pop(c["config"].get("column") or c["config"].get("simple"), None) for c in configs]
        return [r for r in ordered if r is not None] + list(by_name.values()), timed_out

    def get_configs(self) -> list[dict[str, Any]]:
        """While the unfiltered facets are read from the counts, Datasette's own
        GROUP BY runs only for the others."""
        rest = getattr(self, "_rest", None)
        return rest if rest is not None else super().get_configs()

    async def _counted_result(self, source_and_config: dict[str, Any]) -> dict[str, Any]:
        """The facet as ColumnFacet.facet_results builds it, from the stored counts
        (nothing can be selected: the page has no filter)."""
        config, source = source_and_config["config"], source_and_config["source"]
        column = config.get("column") or config["simple"]
        size = self.get_facet_size()
        rows = (await self.ds.execute(
            self.database,
            f"select value, count from [{FACET_COUNTS}] where table_name = :t and column_name = :c "
            "order by count desc, value limit :n",
            {"t": self.table, "c": column, "n": size + 1})).rows
        expanded = await self.ds.expand_foreign_keys(self.database, self.table, column, [r["value"] for r in rows[:size]])
        column_qs = f"{column}__exact" if column.startswith("_") else column
        return {
            "name": column,
            "type": self.type,
            "hideable": source != "metadata",
            "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet": column})),
            "results": [{
                "value": r["value"],
                "label": expanded.get((column, r["value"]), r["value"]),
                "count": r["count"],
                "toggle_url": self.ds.absolute_url(
                    self.request, self.ds.urls.path(path_with_added_args(self.request, {column_qs: r["value"]}))),
                "selected": False,
            } for r in rows[:size]],
            "truncated": len(rows) > size,
        }


def _replace_default_facet_classes() -> None:
    """Datasette registers its facet classes from the module datasette.facets; this
    plugin registers the same three with the column facet replaced."""
    if pm.has_plugin("datasette.facets"):
        pm.unregister(name="datasette.facets")


_replace_default_facet_classes()


@hookimpl
def register_facet_classes() -> list[type]:
    classes: list[type] = [CountedColumnFacet, DateFacet]
    if detect_json1():
        classes.append(ArrayFacet)
    return classes
