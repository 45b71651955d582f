"""Bearer-token authentication for the API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from flask_smorest import abort

from ugc_hub.models import db
from ugc_hub.services.tokens import resolve_token

F = TypeVar("F", bound=Callable[..., Any])
SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]


def token_required(role: str = "viewer") -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            scheme, _, secret = header.partition(" ")
            user = resolve_token(db.session, secret.strip()) if scheme.lower() == "bearer" else None
            if user is None:
                abort(401, message="a valid API token is required (Authorization: Bearer …)")
                raise AssertionError  # abort raises; this tells the type checker
            if not user.has_role(role):
                abort(403, message=f"this token's user needs the {role} role")
            g.api_user = user
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
