"""URL converters shared by every route."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

from ugc_hub.models.base import MAX_ROW_ID


class RowIdConverter(IntegerConverter):
    """``<int:…>`` bounded by the largest row id: a larger number names no row, so the URL is a 404.

    Without the bound, ``/api/v1/posts/6985155651793`` reached the database, which refused to compare an
    integer column with it (a 500 on PostgreSQL).
    """

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)
