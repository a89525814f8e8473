"""CSV rows are read as they are parsed (a large table is never one string), and a
file that is not UTF-8 part-way through is still reported at its byte and line."""
from __future__ import annotations

import pytest

from juesuan.csvio import iter_csv
from juesuan.errors import JuesuanError


def test_bad_byte_after_good_rows_names_its_line(tmp_path):
    path = tmp_path / "t.csv"
    good = "".join(f"r{i},值{i}\n" for i in range(20_000)).encode("utf-8")
    path.write_bytes(b"a,b\n" + good + "x,".encode("utf-8") + "坏".encode("gb18030") + b"\n")
    with pytest.raises(JuesuanError) as err:
        for _ in iter_csv(path, ("a", "b")):
            pass
    assert err.value.line == 20_002 and "not UTF-8" in err.value.message


def test_rows_keep_their_physical_lines_across_a_quoted_newline(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('a,b\n1,"two\nlines"\n3,x\n', encoding="utf-8")
    rows = list(iter_csv(path, ("a", "b")))
    assert [(r["a"], r["b"], r["_line"]) for r in rows] == [("1", "two\nlines", "2"), ("3", "x", "4")]
