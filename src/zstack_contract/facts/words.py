"""English for counts and kinds, shared by every room that words a message: a noun after a number
(``1 body``, ``2 bodies``), an article before a word (``an action``, ``a tags-not-list``), and
the option meant by one mistyped (``--ulr``: ``did you mean --url?``)."""

from __future__ import annotations

import difflib

from .oneline import PREVIEW, one_line

_IRREGULAR = {"body": "bodies", "entry": "entries", "query": "queries", "API": "APIs", "was": "were", "is": "are"}


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n`` and ``word`` in the number ``n`` asks for: ``1 body``, ``0 bodies``, ``2 files``.
    ``many`` names a plural the rules below do not give; a phrase is counted by its last word
    (``response body`` -> ``response bodies``)."""
    return f"{n} {word if n == 1 else many or plural_of(word)}"


def plural_of(word: str) -> str:
    head, _, last = word.rpartition(" ")
    if last in _IRREGULAR:
        many = _IRREGULAR[last]
    elif last.endswith(("s", "x", "ch", "sh")):
        many = last + "es"
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "o", "u", ""):
        many = last[:-1] + "ies"
    else:
        many = last + "s"
    return f"{head} {many}" if head else many


def article(word: str) -> str:
    """``a`` or ``an`` before ``word``, by how it starts (``an action``, ``a tags-not-list``,
    ``an empty-body``, ``an unknown-key``; ``a uuid``, ``a unit``: a "u" before a consonant
    and a vowel, or a "uu", is said "you")."""
    w = word.lower()
    if w[:1] in ("a", "e", "i", "o"):
        return "an"
    if w[:1] == "u":
        said_you = w.startswith("uu") or (len(w) > 2 and w[1] not in "aeiou" and w[2] in "aeiou")
        return "a" if said_you else "an"
    return "a"


def with_article(word: str) -> str:
    return f"{article(word)} {word}"


def unknown_option(words: list[str], options: list[str]) -> str:
    """What is wrong with the words of a command line no option took: the first unknown option,
    with the closest of ``options`` when one is close (difflib's ratio, as click suggests), else
    the words themselves."""
    for word in words:
        if word.startswith("-") and len(word) > 1:
            name = word.split("=", 1)[0]
            meant = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
            return f"unknown option {one_line(name, PREVIEW)}" + (f"; did you mean {meant[0]}?" if meant else "")
    return f"unrecognized arguments: {one_line(' '.join(words), PREVIEW)}"
