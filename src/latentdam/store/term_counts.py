"""How many assets use each word of the library: what the expansion vocabulary is chosen
from (search/expansion.py), kept beside the texts it counts.

Every write of an asset's embedded text (LibraryStore: upsert, update, delete) adds and
subtracts its own words here, so an ingest of one file counts one file's words instead of
re-reading the whole library's texts. The counts are derived state: a crash between the
asset commit and this one leaves them off by that batch, and `optimize` (or a text refresh)
recounts them from the texts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa

# A vocabulary word: three or more letters (hyphens inside), lower-cased.
WORD = re.compile(r"[a-z][a-z\-]{2,}")
STOPWORDS = frozenset(
    [
        "the",
        "and",
        "with",
        "for",
        "from",
        "that",
        "this",
        "into",
        "over",
        "under",
        "very",
        "its",
        "are",
        "was",
        "were",
        "has",
        "have",
        "had",
        "not",
        "but",
        "his",
        "her",
        "their",
        "they",
        "them",
        "you",
        "your",
        "our",
        "who",
        "what",
        "which",
        "when",
        "where",
        "while",
        "than",
        "then",
        "there",
        "these",
        "those",
        "also",
        "just",
        "only",
        "some",
        "such",
        "other",
        "more",
        "most",
        "much",
        "many",
        "each",
        "every",
        "all",
        "any",
        "both",
        "few",
        "own",
        "same",
    ]
)
# The row under this (impossible) word counts the texts themselves: the documents the
# shares are taken of, written in the same commit as the words.
DOCUMENTS = ""

TABLE = "term_counts"
SCHEMA = pa.schema([pa.field("term", pa.string()), pa.field("documents", pa.int64())])


def document_words(text: str) -> set[str]:
    """The distinct vocabulary words of one text."""
    return {w for w in WORD.findall(text.lower()) if w not in STOPWORDS}


def count_documents(texts: Iterable[str | None]) -> Counter[str]:
    """Document frequency of each word over the non-empty texts, and their number."""
    counts: Counter[str] = Counter()
    for text in texts:
        if text:
            counts.update(document_words(text))
            counts[DOCUMENTS] += 1
    return counts


class TermCounts:
    """The counts table of one library: made on first write (or first recount)."""

    def __init__(self, db: Any) -> None:
        self._db = db

    def _table(self) -> Any | None:
        # opened afresh each time: another process may have written since (one writer at a time)
        return self._db.open_table(TABLE) if TABLE in self._db.list_tables().tables else None

    def exists(self) -> bool:
        return self._table() is not None

    def read(self) -> tuple[dict[str, int], int]:
        """Each word's document count, and the number of texts counted."""
        table = self._table()
        if table is None:
            return {}, 0
        data = table.to_arrow()
        counts = dict(zip(data["term"].to_pylist(), data["documents"].to_pylist(), strict=True))
        documents = counts.pop(DOCUMENTS, 0)
        return {t: n for t, n in counts.items() if n > 0}, documents

    def replace(self, counts: Mapping[str, int]) -> None:
        """Overwrite the whole table (a recount) in one commit."""
        rows = pa.Table.from_pylist(
            [{"term": t, "documents": n} for t, n in counts.items() if n > 0 or t == DOCUMENTS], schema=SCHEMA
        )
        mode = "overwrite" if self.exists() else "create"
        self._db.create_table(TABLE, data=rows, schema=SCHEMA, mode=mode)

    def apply(self, added: Iterable[str | None], removed: Iterable[str | None] = ()) -> None:
        """Count the words of texts that were written and uncount those of texts they
        replaced or that were deleted, in one commit. Nothing to do until the table exists:
        the first vocabulary build recounts from the texts."""
        table = self._table()
        if table is None:
            return
        delta = count_documents(added)
        delta.subtract(count_documents(removed))
        delta = Counter({t: n for t, n in delta.items() if n})
        if not delta:
            return
        known, documents = self.read()
        known[DOCUMENTS] = documents
        rows = [{"term": t, "documents": max(0, known.get(t, 0) + n)} for t, n in delta.items()]
        table.merge_insert("term").when_matched_update_all().when_not_matched_insert_all().execute(
            pa.Table.from_pylist(rows, schema=SCHEMA)
        )

    def optimize(self) -> None:
        table = self._table()
        if table is not None:
            table.optimize()
