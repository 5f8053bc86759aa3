"""Wording shared by the commands and the GUI."""

from __future__ import annotations

import time


def count(n: int, noun: str) -> str:
    """``"1 epoch"``, ``"2 epochs"``, ``"0 actions"``, ``"3 classes"`` (regular
    plurals, and "-es" after s, x, z and sh)."""
    if n == 1:
        return f"{n} {noun}"
    return f"{n} {noun}" + ("es" if noun.endswith(("s", "x", "z", "sh")) else "s")


def quoted_excerpt(data: bytes, limit: int = 40) -> str:
    """The start of a file's unexpected content, fit for an error message.

    Text is shown quoted (``'abc'``, at most ``limit`` characters). Bytes that do not
    decode as UTF-8 (another encoding, or binary data) and control characters are
    named as such, with the first bytes in hex, instead of a line of replacement
    characters.
    """
    whole = data.strip()
    head = whole[: limit * 4]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        cut_here = len(whole) > len(head) and exc.start >= len(head) - 3
        if not cut_here:  # not merely a character the excerpt cut in two
            return f"bytes that are not UTF-8 text (starting {head[:8].hex(' ')})"
        text = head[: exc.start].decode("utf-8")
    if any(ord(c) < 32 and c not in "\t\r\n" for c in text):
        return f"binary data, not text (starting {head[:8].hex(' ')})"
    return repr(text[:limit])


def format_seconds(seconds: float) -> str:
    """``h:mm:ss`` or ``m:ss`` for a duration in seconds."""
    seconds = max(0, round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def terminal_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: two for a wide character (Chinese,
    Japanese, Korean), none for a combining mark, one for the others."""
    import unicodedata

    return sum(
        0
        if unicodedata.combining(ch)
        else 2
        if unicodedata.east_asian_width(ch) in ("W", "F")
        else 1
        for ch in text
    )


def pad_to(text: str, columns: int) -> str:
    """``text`` padded with spaces to ``columns`` terminal columns (``str.ljust``
    counts characters: a table's columns moved after a Chinese name, a trial)."""
    return text + " " * max(0, columns - terminal_width(text))


class Pace:
    """The time left of work measured in steps, at the pace since the first step
    seen (a warm-up before it, starting MediaPipe, is not the pace): ``data extract``'s
    and ``ms2l infer``'s bars."""

    def __init__(self) -> None:
        self._first: tuple[float, int] | None = None

    def left(self, done: int, total: int) -> float | None:
        """Seconds left with ``done`` of ``total`` steps done; ``None`` at the first
        step seen, before a second one, and once ``total`` is reached."""
        now = time.perf_counter()
        if self._first is None:
            if done > 0:
                self._first = (now, done)
            return None
        then, first = self._first
        if not first < done < total:
            return None
        return (now - then) / (done - first) * (total - done)
