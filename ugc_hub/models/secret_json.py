"""Source settings with their credentials encrypted at rest (Fernet), transparent to every reader.

A source's ``settings`` JSON keeps each secret setting (the names a plugin declares with type
``secret``: passwords, client secrets, tokens, the Instagram session) as an envelope
``{"$fernet": "<token>"}``. Loading a source decrypts the envelopes, so services and plugins see plain
values; saving encrypts them again, so a clear-text value stored before this existed is encrypted on
its next save (or by ``ugc-hub sources encrypt-secrets``).

Keys come from the instance ``SECRET_KEY`` (HKDF-SHA256, see ``derive_key``): the first key of the
keyring encrypts, every key decrypts. To rotate, set a new ``SECRET_KEY``, move the old one to
``SECRET_KEY_FALLBACKS`` and run ``ugc-hub sources encrypt-secrets``, which re-encrypts every envelope
with the new key; then drop the fallback. An envelope no key can open stays an envelope in memory (and
is written back unchanged), and the runner reports it instead of sending it to a platform.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from ugc_hub.models.base import JSONType

ENVELOPE = "$fernet"
_HKDF_INFO = b"ugc-hub source settings v1"


class SecretKeyMissing(RuntimeError):
    """A secret had to be encrypted or decrypted before any key was configured."""


def derive_key(secret_key: str | bytes) -> bytes:
    """Return the Fernet key (urlsafe base64 of 32 bytes) derived from an instance SECRET_KEY."""
    material = secret_key.encode() if isinstance(secret_key, str) else secret_key
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(material)
    return base64.urlsafe_b64encode(raw)


class Keyring:
    """The keys of this process: the first encrypts, all of them decrypt."""

    def __init__(self) -> None:
        self._keys: list[bytes] = []

    def configure(self, secret_keys: Iterable[str | bytes]) -> None:
        """Use these SECRET_KEYs (current first, then fallbacks); keys known before still decrypt."""
        derived = [derive_key(k) for k in secret_keys if k]
        if not derived:
            raise SecretKeyMissing("no SECRET_KEY to derive the settings key from")
        self._keys = list(dict.fromkeys([*derived, *self._keys]))

    def _fernet(self) -> MultiFernet:
        if not self._keys:
            raise SecretKeyMissing("source secrets need a key: create the app (SECRET_KEY) first")
        return MultiFernet([Fernet(k) for k in self._keys])

    def encrypt(self, value: Any) -> dict[str, str]:
        """Return the envelope of a JSON-serialisable value."""
        return {ENVELOPE: self._fernet().encrypt(json.dumps(value).encode()).decode()}

    def decrypt(self, envelope: Mapping[str, Any]) -> Any:
        """Return the value in an envelope; raise ``InvalidToken`` when no key opens it."""
        return json.loads(self._fernet().decrypt(str(envelope[ENVELOPE]).encode()))

    def rotate(self, envelope: Mapping[str, Any]) -> dict[str, str]:
        """Return the envelope re-encrypted with the current key."""
        return {ENVELOPE: self._fernet().rotate(str(envelope[ENVELOPE]).encode()).decode()}


keyring = Keyring()
_secret_names: frozenset[str] | None = None


def is_envelope(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {ENVELOPE}


def unreadable_secrets(settings: Mapping[str, Any]) -> list[str]:
    """Names of secret settings still encrypted after loading: no configured key opens them."""
    return sorted(name for name, value in settings.items() if is_envelope(value))


def secret_setting_names() -> frozenset[str]:
    """Every setting name a registered plugin declares as secret."""
    global _secret_names
    if _secret_names is None:
        from collectors import registry

        _secret_names = frozenset(
            spec.name for cls in registry.all_collectors() for spec in cls.settings_schema if spec.type == "secret"
        )
    return _secret_names


def seal(settings: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Return settings with every non-empty secret value in an envelope."""
    if settings is None:
        return None
    names = secret_setting_names()
    return {
        key: keyring.encrypt(value) if key in names and value not in (None, "") and not is_envelope(value) else value
        for key, value in settings.items()
    }


def unseal(settings: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Return settings with envelopes opened; one no key opens stays an envelope."""
    if settings is None:
        return None
    opened: dict[str, Any] = {}
    for key, value in settings.items():
        if is_envelope(value):
            with contextlib.suppress(InvalidToken, SecretKeyMissing, ValueError):
                value = keyring.decrypt(value)
        opened[key] = value
    return opened


class SealedSettings(TypeDecorator[dict[str, Any]]):
    """JSON whose secret settings are Fernet envelopes in the database and plain values in Python."""

    impl = JSONType
    cache_ok = True

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect) -> dict[str, Any] | None:
        return seal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> dict[str, Any] | None:
        return unseal(value)
