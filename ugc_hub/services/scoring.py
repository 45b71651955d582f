"""Score posts' sentiment in batches and store it with the model version; detect missing languages."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row

from sentiment import SentimentBackend, SentimentConfig, detect_languages, load_backend
from ugc_hub.models import Post, PostSentiment
from ugc_hub.models.base import DbSession, utcnow

# Posts read, scored and written per transaction. Larger than the model's own batch, so the backend's
# length-sorted batching has texts of similar length to group; small enough that an interrupted run
# loses little and a progress bar moves.
DEFAULT_BATCH_SIZE = 128

_BACKENDS: dict[str, SentimentBackend] = {}
_BACKENDS_LOCK = threading.Lock()

Progress = Callable[[int], object]


@dataclass(frozen=True)
class ScoringResult:
    """What a scoring run did: posts scored, and languages it detected and stored."""

    scored: int = 0
    languages_detected: int = 0

    def __add__(self, other: ScoringResult) -> ScoringResult:
        return ScoringResult(self.scored + other.scored, self.languages_detected + other.languages_detected)


def backend_for(config: Mapping[str, Any]) -> SentimentBackend:
    """Return the backend the SENTIMENT_* keys name, loading it once per process and configuration."""
    key = repr(SentimentConfig.from_mapping(config))
    with _BACKENDS_LOCK:
        # Loading takes from 0.3 s (default) to many seconds (a large transformers model): never per task.
        if key not in _BACKENDS:
            _BACKENDS[key] = load_backend(config)
        return _BACKENDS[key]


def post_text(title: str | None, text: str | None) -> str:
    """Return what the model reads of a post: the title (a review's verdict, often) then the text."""
    return f"{title}\n{text or ''}" if title else (text or "")


def text_digest(text: str) -> str:
    """Fingerprint the scored text, so that an edited post is rescored and an unchanged one is not."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def score_posts(
    session: DbSession,
    post_ids: Iterable[int],
    *,
    backend: SentimentBackend,
    batch_size: int = DEFAULT_BATCH_SIZE,
    skip_fresh: bool = False,
    progress: Progress | None = None,
    now: Callable[[], datetime] = utcnow,
) -> ScoringResult:
    """Score these posts, one transaction a batch; with ``skip_fresh``, posts whose stored score came
    from this model version and the same text are left alone (what ingestion asks for)."""
    ids = sorted(set(post_ids))
    total = ScoringResult()
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        rows = session.execute(_rows_query().where(Post.id.in_(chunk)).order_by(Post.id)).all()
        if skip_fresh:
            rows = [row for row in rows if not _fresh(row, backend)]
        total += _score_and_store(session, rows, backend=backend, now=now())
        if progress is not None:
            progress(len(chunk))
    return total


def stale_condition(backend: SentimentBackend) -> Any:
    """SQL condition, on posts outer-joined to their sentiment, true for unscored or stale posts."""
    return or_(PostSentiment.post_id.is_(None), PostSentiment.model_version != backend.version)


def count_stale(session: DbSession, *, backend: SentimentBackend, include_fresh: bool = False) -> int:
    """Count the posts ``score_stale`` would score."""
    stmt = select(func.count()).select_from(Post).outerjoin(PostSentiment, PostSentiment.post_id == Post.id)
    if not include_fresh:
        stmt = stmt.where(stale_condition(backend))
    return int(session.scalar(stmt) or 0)


def score_stale(
    session: DbSession,
    *,
    backend: SentimentBackend,
    limit: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    include_fresh: bool = False,
    progress: Progress | None = None,
    now: Callable[[], datetime] = utcnow,
) -> ScoringResult:
    """Score posts never scored or scored by another model version (every post with ``include_fresh``),
    in id order, at most ``limit``, one transaction a batch."""
    total = ScoringResult()
    last_id = 0
    remaining = limit
    while remaining is None or remaining > 0:
        size = batch_size if remaining is None else min(batch_size, remaining)
        # Keyset on the id: each batch starts after the last, whatever the previous batch wrote.
        stmt = _rows_query().where(Post.id > last_id).order_by(Post.id).limit(size)
        if not include_fresh:
            stmt = stmt.where(stale_condition(backend))
        rows = session.execute(stmt).all()
        if not rows:
            break
        total += _score_and_store(session, rows, backend=backend, now=now())
        last_id = rows[-1].id
        if remaining is not None:
            remaining -= len(rows)
        if progress is not None:
            progress(len(rows))
    return total


def _rows_query() -> Any:
    """Select what scoring needs of a post and of its stored sentiment, if any."""
    return select(
        Post.id,
        Post.title,
        Post.text,
        Post.language,
        PostSentiment.model_version,
        PostSentiment.text_digest,
    ).outerjoin(PostSentiment, PostSentiment.post_id == Post.id)


def _fresh(row: Row[Any], backend: SentimentBackend) -> bool:
    return bool(row.model_version == backend.version and row.text_digest == text_digest(post_text(row.title, row.text)))


def _score_and_store(
    session: DbSession, rows: Sequence[Row[Any]], *, backend: SentimentBackend, now: datetime
) -> ScoringResult:
    """Detect missing languages, score, write the batch, and commit."""
    if not rows:
        return ScoringResult()
    texts = [post_text(row.title, row.text) for row in rows]
    missing = [i for i, row in enumerate(rows) if not row.language]
    detected: dict[int, str] = {}
    if missing:
        found = detect_languages([texts[i] for i in missing])
        detected = {rows[i].id: code for i, code in zip(missing, found, strict=True) if code}
    scores = backend.score(texts)
    values = [
        {
            "post_id": row.id,
            "label": score.label,
            "score": score.score,
            "model": backend.name[:255],
            "model_version": backend.version[:255],
            "scored_at": now,
            "text_digest": text_digest(text),
            "detected_language": detected.get(row.id),
        }
        for row, text, score in zip(rows, texts, scores, strict=True)
    ]
    try:
        # One statement for the batch's scores; a second only when languages were found.
        session.execute(_upsert(session), values)
        if detected:
            session.execute(_fill_language(), [{"b_id": pid, "b_language": code} for pid, code in detected.items()])
        session.commit()
    except Exception:
        session.rollback()
        raise
    return ScoringResult(scored=len(values), languages_detected=len(detected))


def _upsert(session: DbSession) -> Any:
    """INSERT … ON CONFLICT (post_id) DO UPDATE, for the session's dialect."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(PostSentiment)
    elif dialect == "sqlite":
        stmt = sqlite.insert(PostSentiment)
    else:
        raise RuntimeError(f"scoring supports SQLite and PostgreSQL, not {dialect}")
    table = PostSentiment.__table__
    changed = ("label", "score", "model", "model_version", "scored_at", "text_digest")
    return stmt.on_conflict_do_update(
        index_elements=["post_id"],
        set_={name: getattr(stmt.excluded, name) for name in changed}
        # A rescore finds posts.language already filled by the first one and detects nothing: keep
        # the record that it was detected.
        | {"detected_language": func.coalesce(stmt.excluded.detected_language, table.c.detected_language)},
    )


def _fill_language() -> Any:
    """UPDATE posts.language where it is still empty (a platform may have filled it meanwhile)."""
    posts = Post.__table__
    return (
        update(posts)
        .where(posts.c.id == bindparam("b_id"), or_(posts.c.language.is_(None), posts.c.language == ""))
        .values(language=bindparam("b_language"))
    )
