"""Writing a long table chunk by chunk, as CSV (small runs: a spreadsheet opens it) or parquet (large
runs: a fraction of the size and time, every number exactly as computed).

A CSV is written with the header once and the chunks appended in run order, so it is byte for byte the
file the whole table would give. A parquet file gets one row group per chunk; its text columns are
stored as strings (with a dictionary page) and read back as strings, its numbers as 64-bit values.
"""

from __future__ import annotations

from pathlib import Path

from sim.outputs.tables import Columns, to_arrow, to_pandas

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
        import pandas as pd

        if n == 0 and self._started:
            return
        df = to_pandas(cols) if n else pd.DataFrame([], columns=self.columns or list(cols))
        df.to_csv(self.path, mode="a" if self._started else "w", header=not self._started, index=False,
                  float_format=self.float_format)
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
