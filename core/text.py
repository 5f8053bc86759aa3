"""Wording shared by the commands and the GUI."""

from __future__ import annotations


def count(n: int, noun: str) -> str:
    """``"1 epoch"``, ``"2 epochs"``, ``"0 actions"`` (regular plurals only)."""
    return f"{n} {noun}" + ("" if n == 1 else "s")
