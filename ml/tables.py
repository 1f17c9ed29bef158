"""Read the tables PMs have: CSV in UTF-8 (with or without BOM) or GBK/GB18030, `,` or `;`
separated, read whole for training or in chunks for scoring; .xlsx through ml.xlsx.

Scoring streams: `project_chunks` reads only the columns the model uses, `CHUNK_ROWS` rows at a
time, so a CSV of any size is scored in bounded memory (a 1 GB CSV read whole took 7.5 GB).
JSON input is parsed whole and is refused above MAX_JSON_BYTES (say to use CSV instead).
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from ml.errors import RiskInputError
from ml.features import records_frame
from ml.xlsx import read_xlsx

CHUNK_ROWS = 50_000
SAMPLE_BYTES = 1 << 20
MAX_JSON_BYTES = 100 * 1024 * 1024
SEPARATORS = ",;\t"


def detect_encoding(sample: bytes) -> str:
    """utf-8-sig for UTF-8 (a BOM is skipped if present), else gb18030 (a superset of GBK and
    GB2312, what Excel in a Chinese locale writes). `sample` may end inside a character."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
        return "gb18030"
    except UnicodeDecodeError as exc:
        raise RiskInputError(
            None,
            None,
            f"the file is neither UTF-8 nor GBK/GB18030 text (byte {exc.start}); save it as "
            "CSV UTF-8 from your spreadsheet",
        ) from None


def sniff_separator(text: str) -> str:
    """`,`, `;` or tab, from the first lines (Excel in many locales writes `;`)."""
    lines = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(lines, delimiters=SEPARATORS).delimiter
    except csv.Error:
        return ","


def csv_format(path: Path) -> tuple[str, str]:
    """(encoding, separator) of a CSV, from its first megabyte."""
    with Path(path).open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    encoding = detect_encoding(sample)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample)
    return encoding, sniff_separator(text)


def read_projects(path: Path) -> pd.DataFrame:
    """Projects to score from CSV, or JSON (a list of objects or {"projects": [...]})."""
    path = Path(path)
    if not path.is_file():
        raise RiskInputError(None, None, f"input file {path} does not exist (or is a folder)")
    if path.suffix.lower() == ".json":
        try:
            document = json.loads(path.read_text(encoding="utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RiskInputError(None, None, f"{path} is not valid JSON: {exc}") from None
        return records_frame(document)
    encoding, separator = csv_format(path)
    try:
        return pd.read_csv(path, encoding=encoding, sep=separator)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise RiskInputError(None, None, f"{path} is not a readable CSV: {exc}") from None


def project_chunks(
    path: Path, columns: set[str], chunk_rows: int = CHUNK_ROWS, sheet: str | None = None
) -> Iterator[tuple[int, pd.DataFrame]]:
    """(first 1-based row, frame of at most `chunk_rows` rows) over a CSV or JSON file of
    projects; a CSV keeps only `columns` (other columns are ignored by the model anyway)."""
    path = Path(path)
    if not path.is_file():
        raise RiskInputError(None, None, f"input file {path} does not exist (or is a folder)")
    if path.suffix.lower() == ".json":
        yield 1, read_json_projects(path)
        return
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        yield 1, read_xlsx(path, sheet)
        return
    encoding, separator = csv_format(path)
    try:
        reader = pd.read_csv(
            path,
            encoding=encoding,
            sep=separator,
            usecols=lambda name: str(name).strip() in columns,
            chunksize=chunk_rows,
        )
        first = 1
        for chunk in reader:
            chunk.columns = [str(c).strip() for c in chunk.columns]
            yield first, chunk
            first += len(chunk)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise RiskInputError(None, None, f"{path} is not a readable CSV: {exc}") from None


def read_json_projects(path: Path) -> pd.DataFrame:
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise RiskInputError(
            None,
            None,
            f"{path} is {size / 2**20:.0f} MB; JSON input is read whole and is limited to "
            f"{MAX_JSON_BYTES // 2**20} MB: give the projects as CSV (read in chunks)",
        )
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RiskInputError(None, None, f"{path} is not valid JSON: {exc}") from None
    return records_frame(document)

