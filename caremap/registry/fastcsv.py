"""Rows of a CSV file whose every value is double-quoted (NPPES), split without a full CSV parse when a line
is plainly one record; anything else goes through the csv module's C reader.

A line that starts and ends with a quote, splits on ``","`` into exactly the header's number of fields and
holds no other quote than those delimiters cannot contain an escaped quote, a separator or a line break
inside a value: it is a whole record, and ``str.split`` reads it several times faster than ``csv.reader``.
Every other line (escaped quotes, embedded line breaks, unquoted values, short rows) is handed, from that
record boundary on, to ``csv.reader``, which reads as many physical lines as the record takes.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from typing import TextIO


class QuotedRows:
    """Iterate (line number where the record ends, fields). ``line`` counts physical lines, header included."""

    def __init__(self, handle: TextIO, *, columns: int, keep: int | None = None) -> None:
        self._handle = handle
        self._columns = columns
        # Only the first ``keep`` values are split out (the rest stay joined in the last field): a reader that
        # needs the first 108 of 330 columns makes 109 strings a row instead of 330.
        self._split = (keep if keep is not None and keep < columns else columns) - 1
        self._quotes = 2 * (columns - 1)  # the quotes of the "," delimiters between values
        self.line = 1  # the header's
        self.fallbacks = 0

    def _counted(self) -> Iterator[str]:
        """The handle's next lines, counted: what the csv reader pulls for a record spanning several lines."""
        for text in self._handle:
            self.line += 1
            yield text

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        separators, quotes, split = self._columns - 1, self._quotes, self._split
        for text in self._handle:
            self.line += 1
            body = text[1:-2] if text.endswith('"\n') else text[1:-3] if text.endswith('"\r\n') else None
            if (body is not None and text[0] == '"' and body.count('"') == quotes
                    and body.count('","') == separators):
                yield self.line, body.split('","', split)
                continue
            self.fallbacks += 1
            # A generator doesn't read ahead and dropping it leaves the file where the record ended.
            row = next(csv.reader(itertools.chain((text,), self._counted())), None)
            if row:  # None at the end, [] for a blank line
                yield self.line, row
