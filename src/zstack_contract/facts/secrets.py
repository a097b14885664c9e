"""What is secret in the ZStack protocol, and how it is kept out of everything written or shown.

A value is masked by where it stands, whatever it is: the value of a secret header
(``Authorization: OAuth <session>``, cookies), a secret field of a body (:func:`is_secret_field`:
a password, the SHA-512 hash a log-in sends in it, a ``...Secret``, a private key, a session uuid),
the session a log-in answers (``inventory.uuid`` of the answer to a ``logIn...`` call,
:func:`login_of`) and the session a path names (``/accounts/sessions/<uuid>``, :func:`mask_url`).

A :class:`Redactor` also knows the run's own secrets (its sessions, the password and its hash) and
masks them where nothing tells their place. One of a shape no innocent text has (a uuid, a hash)
is masked wherever it stands. A typed password may be a common word (the simulator's is
``password``): it is masked in free text (a log line, a message) where it stands as a word of its
own, and in recorded data only where it stands as a secret (a password field), never inside a
path or a name (``/console-passwords``, ``field[password]`` in an error's details).

A masked value keeps its shape, so that what is recorded still validates and replays: a uuid
becomes :data:`FAKE_UUID`, a SHA-512 hash :data:`FAKE_SHA512`, anything else :data:`MASK`; the same
input gives the same bytes. HAR input masks headers and log-out paths as it reads; recordings,
findings, reports, log lines and test output go through a Redactor.
"""

from __future__ import annotations

import logging
import re
from typing import Any

MASK = "***"
# One fixed stand-in of each shape: a random (version 4) UUID as ZStack writes it (32 hex, no
# dashes; version nibble 4, variant 8), and a SHA-512 hex digest.
FAKE_UUID = "0" * 12 + "4" + "0" * 3 + "8" + "0" * 15
FAKE_DASHED_UUID = f"{FAKE_UUID[:8]}-{FAKE_UUID[8:12]}-{FAKE_UUID[12:16]}-{FAKE_UUID[16:20]}-{FAKE_UUID[20:]}"
FAKE_SHA512 = "0" * 128

SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-web-hook"})
# Body fields that hold a secret wherever they stand: these names, and any whose name ends with one
# of the suffixes (any case: password, oldPassword, sshPassword, consolePassword, accessKeySecret).
SECRET_FIELDS = frozenset({"privateKey", "sessionId", "sessionUuid"})
SECRET_FIELD_SUFFIXES = ("password", "secret")

_SHAPES = ((re.compile(r"[0-9a-fA-F]{32}"), FAKE_UUID),
           (re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"), FAKE_DASHED_UUID),
           (re.compile(r"[0-9a-fA-F]{128}"), FAKE_SHA512))
_SESSION_IN_PATH = re.compile(r"(/accounts/sessions/)([^/?#]+)")
_WORD = "A-Za-z0-9_-"  # a password inside a run of these is part of another word (console-passwords)


def stand_in(value: str) -> str:
    """What a secret is shown as: :data:`FAKE_UUID` for a uuid (:data:`FAKE_DASHED_UUID` for one
    with dashes), :data:`FAKE_SHA512` for a SHA-512 hex digest, :data:`MASK` for anything else
    (an empty value stays empty: it hides nothing)."""
    if not value:
        return value
    return next((fake for shape, fake in _SHAPES if shape.fullmatch(value)), MASK)


def is_secret_field(name: str) -> bool:
    """A body field whose string value is a secret wherever it stands."""
    return name in SECRET_FIELDS or name.lower().endswith(SECRET_FIELD_SUFFIXES)


def login_of(body: Any) -> dict | None:
    """The action object of a log-in call's body (``{"logInByAccount": {...}}``, ``{"logIn": {...}}``:
    its action key, the first key whose value is an object, starts with ``logIn``), else None."""
    if isinstance(body, dict):
        action = next(((k, v) for k, v in body.items() if isinstance(v, dict)), None)
        if action is not None and action[0].startswith("logIn"):
            return action[1]
    return None


def session_of_login(answer: Any) -> str | None:
    """The session a log-in's answer carries (``inventory.uuid``), if any."""
    inventory = answer.get("inventory") if isinstance(answer, dict) else None
    session = inventory.get("uuid") if isinstance(inventory, dict) else None
    return session if isinstance(session, str) else None


def mask_url(url: str) -> str:
    """A URL with the session its path names as a session masked (``/accounts/sessions/<FAKE_UUID>``:
    a log-out, a renewal)."""
    return _SESSION_IN_PATH.sub(lambda m: m.group(1) + stand_in(m.group(2)), url)


def mask_header(name: str, value: str) -> str:
    """The value to show for a header: a secret one masked, keeping an Authorization scheme
    (``OAuth <FAKE_UUID>``, ``ZStack ***``); any other as it is."""
    if name.lower() not in SECRET_HEADERS:
        return value
    if name.lower().endswith("authorization") and " " in value.strip():
        scheme, credential = value.strip().split(None, 1)
        return f"{scheme} {stand_in(credential)}"
    return stand_in(value.strip()) or MASK


class Redactor:
    """Masks secrets by where they stand (see the module), and the secrets it has been told."""

    def __init__(self, secrets: set[str] | None = None):
        self.secrets: set[str] = set()  # masked wherever they stand: uuids, hashes
        self.words: set[str] = set()  # masked where they stand as a word of their own in free text
        self._word_pattern: re.Pattern[str] | None = None
        for s in secrets or ():
            self.add(s)

    def add(self, secret: str | None) -> None:
        """Learn a secret, and its core without surrounding white space or control characters
        (a session read with a trailing newline is shown without it, or escaped, by whoever
        complains about it). A secret of a uuid's or a hash's shape is masked wherever it stands,
        any other (a typed password) only as a word of its own in free text."""
        for form in (secret, secret.strip() if secret else None):
            if form and len(form) >= 6:  # a short value would mask innocent text
                if stand_in(form.strip()) != MASK:
                    self.secrets.add(form)
                elif form not in self.words:
                    self.words.add(form)
                    self._word_pattern = None

    def string(self, value: str) -> str:
        """A string of recorded data (a URL, a body's text, a header's value) with every known secret
        of a uuid's or a hash's shape replaced by its stand-in."""
        for s in sorted(self.secrets, key=len, reverse=True):
            if s in value:
                value = value.replace(s, stand_in(s.strip()))
        return value

    def text(self, value: str) -> str:
        """Free text (a message, a log line, a finding): :meth:`string`, and every known password
        standing as a word of its own masked."""
        value = self.string(value)
        if self.words:
            if self._word_pattern is None:
                alternatives = "|".join(re.escape(w) for w in sorted(self.words, key=len, reverse=True))
                self._word_pattern = re.compile(f"(?<![{_WORD}])(?:{alternatives})(?![{_WORD}])")
            value = self._word_pattern.sub(MASK, value)
        return value

    def value(self, value: Any, login_answer: bool = False) -> Any:
        """A JSON body with its secret fields masked (and, in the answer to a log-in, the session
        it carries) and the known secrets of other strings replaced (:meth:`string`)."""
        if login_answer and session_of_login(value) is not None:
            value = {**value, "inventory": {**value["inventory"], "uuid": stand_in(value["inventory"]["uuid"])}}
        if isinstance(value, str):
            return self.string(value)
        if isinstance(value, dict):
            return {k: stand_in(v) if isinstance(v, str) and is_secret_field(k) else self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value

    def url(self, url: str) -> str:
        """A recorded URL: the session its path names masked (:func:`mask_url`), known secrets replaced."""
        return self.string(mask_url(url))

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {k: mask_header(k, v) if k.lower() in SECRET_HEADERS else self.string(v) for k, v in headers.items()}


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs a redactor's secrets from every record it passes (urllib3
    logs each request line, a log-out's URL holds the session)."""

    def __init__(self, redactor: Redactor):
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.redactor.text(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


def control_character(text: str) -> int | None:
    """The position of the first character that cannot stand in an HTTP header value (a control
    character, or one beyond Latin-1), or None."""
    for i, ch in enumerate(text):
        if ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or ord(ch) > 0xFF:
            return i
    return None
