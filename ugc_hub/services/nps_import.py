"""Import NPS answers collected by other tools from CSV (columns in docs/nps.md).

Every good row is kept, each bad one is reported by line with the reason, and a row already stored
(same tool and response id, or the same row when the tool gives no id) is reported as a duplicate.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field

from sqlalchemy import select

from sentiment import detect_languages
from ugc_hub.domain.nps import AnswerError, ImportedAnswer, parse_answer
from ugc_hub.models import NpsResponse
from ugc_hub.models.base import DbSession
from ugc_hub.services import audit
from ugc_hub.services.importer import raise_csv_field_limit
from ugc_hub.services.validation import storable

REQUIRED_COLUMNS = ("score", "responded_at")
MAX_ROWS = 100_000


@dataclass(frozen=True)
class LineProblem:
    line: int
    reason: str


@dataclass
class NpsImportReport:
    imported: int = 0
    bad_rows: list[LineProblem] = field(default_factory=list)
    duplicates: list[LineProblem] = field(default_factory=list)


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not CSV, missing columns)."""


def dedupe_key(source: str, answer: ImportedAnswer) -> str:
    """Same tool and response id, or (without an id) the same respondent, time, score and comment."""
    if answer.external_id:
        parts = [source.casefold(), "id", answer.external_id]
    else:
        parts = [source.casefold(), "row", answer.respondent, answer.responded_at.isoformat(), str(answer.score)]
        parts.append(answer.comment)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError("the file is not UTF-8 text") from None


def import_responses(
    session: DbSession, *, workspace_id: int, data: bytes, source: str, actor: audit.Actor
) -> NpsImportReport:
    """Store every valid, new row of a CSV file in one transaction and report the others by line."""
    source = storable(source).strip()[:64] or "import"  # it goes into a hash and the audit log's JSON
    text = _decode(data)
    raise_csv_field_limit(len(text))  # a huge comment is then one bad row, not the end of the file
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = {name.strip().casefold() for name in reader.fieldnames or ()}
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ImportFileError(f"missing column(s): {', '.join(missing)}")
    report = NpsImportReport()
    fresh: dict[str, tuple[int, ImportedAnswer]] = {}
    try:
        for row in reader:
            line = reader.line_num
            if line > MAX_ROWS + 1:
                report.bad_rows.append(LineProblem(line, f"more than {MAX_ROWS} rows: the rest was not read"))
                break
            normalised = {(key or "").strip().casefold(): value for key, value in row.items() if isinstance(value, str)}
            try:
                answer = parse_answer(normalised)
            except AnswerError as exc:
                report.bad_rows.append(LineProblem(line, str(exc)))
                continue
            key = dedupe_key(source, answer)
            if key in fresh:
                report.duplicates.append(LineProblem(line, f"same answer as line {fresh[key][0]}"))
                continue
            fresh[key] = (line, answer)
    except csv.Error as exc:
        report.bad_rows.append(LineProblem(reader.line_num, f"not valid CSV: {exc}"))
    stored: set[str | None] = set()
    keys = list(fresh)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        stored.update(
            session.scalars(
                select(NpsResponse.dedupe_key).where(
                    NpsResponse.workspace_id == workspace_id, NpsResponse.dedupe_key.in_(chunk)
                )
            )
        )
    new = [(key, line, answer) for key, (line, answer) in fresh.items() if key not in stored]
    report.duplicates.extend(LineProblem(line, "already imported") for key, (line, _) in fresh.items() if key in stored)
    report.duplicates.sort(key=lambda problem: problem.line)
    languages = detect_languages([answer.comment for _, _, answer in new]) if new else []
    session.add_all(
        NpsResponse(
            workspace_id=workspace_id,
            channel="import",
            score=answer.score,
            comment=answer.comment,
            language=language,
            respondent=answer.respondent,
            dedupe_key=key,
            responded_at=answer.responded_at,
            updated_at=answer.responded_at,
        )
        for (key, _, answer), language in zip(new, languages, strict=True)
    )
    report.imported = len(new)
    audit.record(
        session,
        actor=actor,
        action="nps.import",
        object_type="workspace",
        object_id=workspace_id,
        after={"source": source, "imported": report.imported, "rejected": len(report.bad_rows),
               "duplicates": len(report.duplicates)},
    )  # fmt: skip
    session.commit()
    return report
