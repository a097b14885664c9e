"""What is secret in the ZStack protocol, and how it is kept out of everything written or shown.

A value is masked by where it stands, whatever it is: the value of a secret header
(``Authorization: OAuth <session>``, cookies), a secret field of a body (:func:`is_secret_field`:
a password, the SHA-512 hash a log-in sends in it, a ``...Secret``, a private key, a session uuid),
the session a log-in answers (``inventory.uuid`` of the answer to a ``logIn...`` call,
:func:`login_of`), the session a path names (``/accounts/sessions/<uuid>``, :func:`mask_url`) and
the password of a URL's user info (``http://admin:<password>@mn:8080``, :func:`mask_url`). A body
that is not strict JSON (the lenient JSON a node's Gson reads: ``{logInByAccount:{password:'...'}}``)
has its secret fields masked where they stand in its text (:func:`mask_text`).

A :class:`Redactor` also knows the run's own secrets (its sessions, the password and its hash) and
masks them where nothing tells their place. One of a shape no innocent text has (a uuid, a hash)
is masked wherever it stands; a Redactor keeps the :data:`KEPT_SECRETS` it learned last of those
(a proxy's session learns one per log-in, for as long as it runs) and finds them in a text by
their shape, at a cost that does not grow with how many it knows. A typed password may be a
common word (the simulator's is ``password``): it is masked in free text (a log line, a message)
where it stands as a word of its own, and in recorded data only where it stands as a secret (a
password field), never inside a path or a name (``/console-passwords``, ``field[password]`` in an
error's details). What a proxy learns from traffic (:meth:`Redactor.learn`) is never a word: only
values of a session's or a hash's shape.

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
_USERINFO_PASSWORD = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/?#@:]*:)([^/?#@]*)(@)")
_HEX_RUN = re.compile(r"[0-9a-fA-F]{32,}|[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
KEPT_SECRETS = 10_000  # secrets of a uuid's or a hash's shape a Redactor keeps (the newest)
# A text body, as a tokenizer of the lenient JSON a node reads sees it: strings (either quote),
# the separators, and bare words (unquoted keys and values).
_TOKENS = re.compile(r""""(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|=>|[{}\[\],;:=]|[^\s{}\[\],;:='"]+""")
_MAYBE_SECRET = re.compile(r"(?i)password|secret|privatekey|sessionid|sessionuuid")
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


def is_session(value: str) -> bool:
    """Whether a value has the shape of a session (a uuid; a SHA-512 hash counts too: a log-in's
    password): what a proxy may learn from traffic. Any other word is never learned."""
    return stand_in(value.strip()) not in (MASK, "")


def answers_session(response_schema: Any) -> bool:
    """Whether an API's response schema says its answer carries a session: an ``inventory`` that
    is a ``SessionInventory`` (every log-in API, and a session's renewal)."""
    props = response_schema.get("properties") if isinstance(response_schema, dict) else None
    inventory = props.get("inventory") if isinstance(props, dict) else None
    return isinstance(inventory, dict) and inventory.get("x-page-type") == "SessionInventory"


def action_key_of_text(text: str) -> str | None:
    """The action key of a body in lenient JSON (``{logInByAccount:{...}}``, ``{'logIn': {...}}``):
    its first key, when that key's value is an object; else None."""
    tokens = [m.group() for _, m in zip(range(4), _TOKENS.finditer(text))]
    if len(tokens) == 4 and tokens[0] == "{" and tokens[2] in (":", "=", "=>") and tokens[3] == "{":
        return _unquoted(tokens[1])
    return None


def is_login(body: Any, text: str | None = None) -> bool:
    """Whether a request is a log-in by its action key (strict JSON or lenient text)."""
    if login_of(body) is not None:
        return True
    key = action_key_of_text(text) if text else None
    return bool(key and key.startswith("logIn"))


def _unquoted(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "\"'":
        inner = token[1:-1]
        return re.sub(r"\\(.)", r"\1", inner) if "\\" in inner else inner
    return token


def _secret_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, value) of every value of a secret field in a body's text: a key (quoted either
    way, or bare) that :func:`is_secret_field` names, a ``:`` (or Gson's ``=``, ``=>``), a string
    or a bare word; the value without its quotes."""
    if not _MAYBE_SECRET.search(text):
        return []
    spans: list[tuple[int, int, str]] = []
    before: list[tuple[str, int, int]] = []  # the last three tokens
    for m in _TOKENS.finditer(text):
        token = m.group()
        if len(before) == 3 and before[2][0] in (":", "=", "=>") and before[0][0] in ("{", ",", ";") \
                and is_secret_field(_unquoted(before[1][0])) and token not in "{}[],;:=" and token != "=>":
            if token[0] in "\"'":
                if len(token) >= 2 and token[-1] == token[0]:
                    spans.append((m.start() + 1, m.end() - 1, token[1:-1]))
            else:
                spans.append((m.start(), m.end(), token))
        before = [*before[-2:], (token, m.start(), m.end())]
    return spans


def mask_text(text: str) -> str:
    """A body's text (one that is not strict JSON) with the value of every secret field masked
    where it stands (:func:`stand_in`: in its quotes, keeping its shape)."""
    spans = _secret_spans(text)
    for start, end, value in reversed(spans):
        text = text[:start] + stand_in(value) + text[end:]
    return text


def text_secrets(text: str) -> list[str]:
    """The values of the secret fields of a body's text (see :func:`mask_text`)."""
    return [value for _, _, value in _secret_spans(text)]


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
    a log-out, a renewal), and the password of its user info (``http://admin:***@mn``)."""
    if "@" in url:
        url = _USERINFO_PASSWORD.sub(lambda m: m.group(1) + (MASK if m.group(2) else "") + m.group(3), url)
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

    def __init__(self, secrets: set[str] | None = None, kept: int = KEPT_SECRETS):
        self.secrets: dict[str, None] = {}  # masked wherever they stand: uuids, hashes (the newest ``kept``, oldest first)
        self.words: set[str] = set()  # masked where they stand as a word of their own in free text
        self.kept = kept
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
                if is_session(form):
                    self._keep(form.strip())
                elif form not in self.words:
                    self.words.add(form)
                    self._word_pattern = None

    def learn(self, secret: str | None) -> None:
        """Learn a secret of the traffic (a proxy's): kept only when it has a session's or a hash's
        shape (:func:`is_session`); any other value is masked where it stands, never learned as a
        word (a client's ``Authorization: OAuth cpuNum`` must not mask every ``cpuNum``)."""
        if secret and is_session(secret):
            self._keep(secret.strip())

    def _keep(self, core: str) -> None:
        secrets = self.secrets
        if core in secrets:
            del secrets[core]  # the newest again
        secrets[core] = None
        while len(secrets) > self.kept:
            del secrets[next(iter(secrets))]

    def string(self, value: str) -> str:
        """A string of recorded data (a URL, a body's text, a header's value) with every known secret
        of a uuid's or a hash's shape replaced by its stand-in (found by shape: each run of hex
        digits is looked up, not each known secret searched for)."""
        if not self.secrets or len(value) < 32:
            return value
        return _HEX_RUN.sub(self._masked_run, value)

    def _masked_run(self, m: re.Match[str]) -> str:
        run, secrets = m.group(), self.secrets
        if run in secrets:
            return stand_in(run)
        if len(run) <= 32 or "-" in run:
            return run
        out, i = [], 0  # a longer run of hex digits: a known secret may stand anywhere inside it
        while i < len(run):
            for size in (128, 32):
                if run[i:i + size] in secrets:
                    out.append(stand_in(run[i:i + size]))
                    i += size
                    break
            else:
                out.append(run[i])
                i += 1
        return "".join(out)

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
