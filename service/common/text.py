"""Text rules shared by the areas, people and households domains: Unicode (Vietnamese) names and usernames,
area codes, CSV files."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator

from service import errors

USERNAME_MAX = 100
_USERNAME_PUNCT = set("._-")
_AREA_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$")


def nfc(value: str) -> str:
    """NFC, trimmed, without NUL (PostgreSQL text cannot hold it, and no name needs it)."""
    return unicodedata.normalize("NFC", value.replace("\x00", "")).strip()


# A JSON string escape for U+0000 that is not itself an escaped backslash followed by "u0000".
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def json_has_nul(raw: bytes) -> bool:
    """Whether a JSON document holds a NUL in a string (PostgreSQL's text and jsonb refuse it)."""
    return _JSON_NUL.search(raw) is not None


def clean_name(value: str | None) -> str | None:
    """NFC, inner runs of whitespace collapsed; empty → None."""
    if value is None:
        return None
    text = " ".join("".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in nfc(value)).split())
    return text or None


def username_problem(value: str) -> str | None:
    """Why `value` (already normalized) is not a username, or None. Letters of any script are welcome."""
    if not 2 <= len(value) <= USERNAME_MAX:
        return f"2–{USERNAME_MAX} characters"
    for ch in value:
        category = unicodedata.category(ch)
        if not (category[0] in "LNM" or ch in _USERNAME_PUNCT):
            return f"character {ch!r} is not allowed (letters, digits, '.', '_' and '-')"
    return None


def normalize_username(value: str) -> str:
    """NFC and lower case, so `Nguyễn.An` typed on any keyboard (composed or not) is one account."""
    return nfc(value).lower()


def area_code_ok(value: str) -> bool:
    return bool(_AREA_CODE.match(value))


# A file that is wrong on every line is reported on its first lines, not all of them.
MAX_LINE_PROBLEMS = 100


class CsvRow(dict[str, str]):
    line: int


def read_csv(content: bytes, required: set[str], optional: set[str]) -> Iterator[CsvRow]:
    """Rows of a UTF-8 (BOM tolerated) CSV with a header line; unknown or missing columns are refused."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise errors.DomainError(
            errors.CSV_INVALID, "Tệp CSV phải mã hóa UTF-8.", "The CSV file must be UTF-8."
        ) from exc
    # strict: a quote left open is an error at its row, not a field that swallows the rest of the file.
    reader = csv.DictReader(io.StringIO(text, newline=""), skipinitialspace=True, strict=True)
    header = [nfc(name).lower() for name in (reader.fieldnames or [])]
    missing = sorted(required - set(header))
    unknown = sorted(set(header) - required - optional)
    if missing or unknown:
        columns = [{"column": c, "code": "csv.missing_column"} for c in missing]
        columns += [{"column": c, "code": "csv.unknown_column"} for c in unknown]
        raise errors.DomainError(
            errors.CSV_INVALID, "Tiêu đề cột CSV không đúng.", "The CSV header is not right.", errors=columns
        )
    reader.fieldnames = header
    # A row's own line count, not the reader's: a quote left open swallows every line after it.
    problems: list[dict[str, object]] = []
    first_line = reader.line_num + 1
    try:
        for raw in reader:
            line, first_line = first_line, reader.line_num + 1
            if None in raw:
                problems.append({"line": line, "code": "csv.extra_fields", "message": "more fields than the header"})
            elif any(v is None for v in raw.values()):
                problems.append({"line": line, "code": "csv.missing_fields", "message": "fewer fields than the header"})
            if problems:
                if len(problems) >= MAX_LINE_PROBLEMS:
                    break
                continue
            row = CsvRow({k: nfc(v) for k, v in raw.items()})
            row.line = line
            if any(row.values()):
                yield row
    except csv.Error as exc:
        raise errors.DomainError(
            errors.CSV_INVALID,
            f"Tệp CSV lỗi ở dòng {first_line}: {exc}",
            f"Malformed CSV at line {first_line}: {exc}",
            errors=[*problems, {"line": first_line, "code": "csv.malformed", "message": str(exc)}],
        ) from exc
    if problems:
        raise errors.DomainError(
            errors.CSV_INVALID,
            "Có dòng không đúng số cột so với tiêu đề.",
            "Some lines do not have as many fields as the header.",
            errors=problems,
        )


def parse_float(value: str) -> float | None:
    if value == "":
        return None
    number = float(value.replace(",", ".")) if value.count(",") == 1 and "." not in value else float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    return number


def parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("", "0", "false", "no", "n", "không", "khong", "k"):
        return False
    if lowered in ("1", "true", "yes", "y", "có", "co", "x"):
        return True
    raise ValueError(f"{value!r} is not yes/no")


def valid_lat_lon(lat: float | None, lon: float | None) -> str | None:
    if (lat is None) != (lon is None):
        return "lat and lon go together"
    if lat is not None and not -90 <= lat <= 90:
        return "lat must be within -90..90"
    if lon is not None and not -180 <= lon <= 180:
        return "lon must be within -180..180"
    return None
