"""Writing a long table chunk by chunk, as CSV (small runs: a spreadsheet opens it) or parquet (large
runs: a fraction of the size and time, every number exactly as computed).

A CSV is written with the header once and the chunks appended in run order, so it is byte for byte the
file the whole table would give. It is written by ``csv_lines`` with Python's csv module exactly as
pandas' ``to_csv`` writes it (the same writer and dialect: quotes only where a field needs them; floats with
the table's format, or Python's repr without one; NaN as an empty field), without importing pandas. A parquet file gets one row group per chunk; its text columns are
stored as strings (with a dictionary page) and read back as strings, its numbers as 64-bit values.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from sim.outputs.tables import Coded, Columns, to_arrow

CSV_MAX_RUNS = 50  # up to this many runs the tables are CSV by default, above it parquet


def table_format(choice: str, runs: int) -> str:
    """'csv' or 'parquet' for ``--format`` auto|csv|parquet and the number of runs."""
    if choice == "auto":
        return "csv" if runs <= CSV_MAX_RUNS else "parquet"
    if choice not in ("csv", "parquet"):
        raise ValueError(f"unknown table format {choice!r}; expected auto, csv or parquet")
    return choice


class TableSink:
    """One table, written as its chunks arrive (``write``), finished by ``close``."""

    def __init__(self, folder: Path, name: str, fmt: str, columns: list[str] | None = None,
                 float_format: str | None = None, dictionary_floats: bool = True):
        self.fmt = fmt
        self.path = Path(folder) / f"{name}.{fmt}"
        self.columns = columns  # for a table that may have no rows at all: its header
        self.float_format = float_format
        # parquet: dictionary-encode number columns too (states and powers repeat values a lot), or only
        # the text and integer columns (an alignment or a contribution hardly ever repeats)
        self.dictionary_floats = dictionary_floats
        self.rows = 0
        self._writer = None
        self._started = False

    @property
    def name(self) -> str:
        return self.path.name

    def write(self, cols: Columns) -> None:
        n = len(next(iter(cols.values()))) if cols else 0
        if self.fmt == "csv":
            self._write_csv(cols, n)
        else:
            self._write_parquet(cols, n)
        self.rows += n

    def _write_csv(self, cols: Columns, n: int) -> None:
        if n == 0 and self._started:
            return
        names = list(cols) if n or not self.columns else self.columns
        with open(self.path, "a" if self._started else "w", newline="", encoding="utf-8") as f:
            write_csv(f, names, [cols[k] for k in names] if n else [[] for _ in names], self.float_format,
                      header=not self._started)
        self._started = True

    def _write_parquet(self, cols: Columns, n: int) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = to_arrow(cols)
        if self._writer is None:
            dictionary = True if self.dictionary_floats else [
                f.name for f in table.schema if not pa.types.is_floating(f.type)]
            # without the arrow schema in the file, text columns read back as strings, not categories
            self._writer = pq.ParquetWriter(self.path, table.schema, compression="snappy", store_schema=False,
                                            use_dictionary=dictionary)
        if n:
            self._writer.write_table(table)

    def close(self) -> None:
        if self.fmt == "csv" and not self._started:
            self._write_csv({c: [] for c in self.columns or []}, 0)
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def write_csv(f, names: list[str], columns: list, float_format: str | None = None, header: bool = True) -> None:
    """Write the columns (numpy arrays, Coded text columns or lists) as CSV rows to the open text file ``f``,
    with a header line of ``names`` first: pandas' ``DataFrame.to_csv(f, index=False,
    float_format=float_format, header=header)`` to the byte."""
    out = csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    if header:
        out.writerow(names)
    out.writerows(zip(*[_texts(c, float_format) for c in columns]))


def _texts(col, float_format: str | None) -> list:
    """One column's fields as pandas writes them: floats with ``float_format`` (repr without one) and NaN as
    an empty field, integers and booleans as Python prints them, text as it is (None as an empty field)."""
    if isinstance(col, Coded):
        labels = [str(v) for v in col.labels]
        return [labels[i] for i in col.codes.tolist()]
    a = np.asarray(col)
    if a.dtype.kind == "f":
        fmt = (lambda x: float_format % x) if float_format else repr
        return ["" if math.isnan(x) else fmt(x) for x in a.tolist()]
    if a.dtype.kind in "iub":
        return a.tolist()
    return ["" if x is None or (isinstance(x, float) and math.isnan(x)) else x for x in a.tolist()]
