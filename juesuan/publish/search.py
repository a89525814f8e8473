"""Chinese full-text search in SQLite FTS5 without a word segmenter.

Why: FTS5's `unicode61` tokenizer treats a whole run of Chinese characters as
one token, and the `trigram` tokenizer cannot match a term shorter than three
characters, so 医保 or 三公 found nothing. Real segmentation (jieba and
friends) needs a dictionary and still misses names it does not know.

How: every searchable text is indexed through a *shadow* string of
overlapping character bigrams. Each run of letters/digits (Chinese
characters count as letters) "医疗保障局" becomes the tokens
"医疗 疗保 保障 障局 局": every adjacent pair, then the run's last
character alone. A query is rewritten the same way into an FTS5 phrase
(adjacent tokens), so "保障" is the one token "保障", "医疗保障" the phrase
"医疗 疗保 保障", and a single character "医" the prefix query "医"*, which
matches every bigram that starts with it and the run-final unigram.
A match is therefore exactly a substring match within a run, which is what
a reader expects (and what `grep` finds); the text itself is not changed,
only the index sees the shadow string.

Both sides are NFKC-folded and lower-cased first, so full-width digits and
letters (２０２２, ＡＢ) match their ASCII forms (and ① matches 1).
Punctuation and spaces separate runs, as they do for FTS5 itself: a query
with punctuation ("2,233.37") becomes one phrase over its runs, so it
matches the same runs in order with any separator between them.
"""
from __future__ import annotations

import contextvars
import re
import sqlite3
import unicodedata

# a run of characters FTS5's unicode61 tokenizer keeps inside tokens
# (letters, digits, private use); anything else separates runs
_RUN = re.compile(r"[^\W_]+", re.UNICODE)

# the words of the search being answered, so the cells of that page can mark them
# (Datasette 0.65's render_cell has no request argument); reset for every request
SEARCH_WORDS: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("juesuan_search_words", default=())


def _runs(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).lower()
    return _RUN.findall(folded)


def _bigrams(run: str) -> list[str]:
    return [run[i:i + 2] for i in range(len(run) - 1)]


def segment(text: str | None) -> str:
    """The shadow string the index sees: each run's bigrams and its last character."""
    if not text:
        return ""
    tokens: list[str] = []
    for run in _runs(text):
        tokens.extend(_bigrams(run))
        tokens.append(run[-1])
    return " ".join(tokens)


def match_expression(query: str | None) -> str | None:
    """The FTS5 MATCH expression for what a reader typed, or None if it has no
    searchable character. Whitespace-separated words must all occur (AND);
    each word is a phrase of bigrams, so its characters must be adjacent."""
    if not query:
        return None
    phrases = []
    for word in query.split():
        runs = _runs(word)
        if not runs:
            continue
        tokens: list[str] = []
        for i, run in enumerate(runs):
            last = i == len(runs) - 1
            tokens.extend(_bigrams(run))
            if not last:
                tokens.append(run[-1])  # an inner run ends where the text's run ends
        if len(runs[-1]) == 1:  # a final single character: any token starting with it
            phrase = " + ".join(f'"{t}"' for t in [*tokens, runs[-1]]) + " *"
        else:
            phrase = " + ".join(f'"{t}"' for t in tokens)
        phrases.append(phrase)
    return " AND ".join(phrases) if phrases else None


def terms(query: str | None) -> list[str]:
    """The words of a query, for highlighting them in results."""
    return [w for w in (query or "").split() if _runs(w)]


def register_functions(conn: sqlite3.Connection) -> None:
    """`juesuan_match(text)` in SQL: the MATCH expression for a reader's query, so a
    canned query can search the bigram index (an unmatchable query matches nothing)."""
    conn.create_function("juesuan_match", 1, lambda q: match_expression(q) or '""', deterministic=True)
