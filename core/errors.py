"""The error type for mistakes a user can fix, in a module of its own.

``core.cli`` catches it and prints one line; the sub-commands raise it. It lives here,
not in ``core.cli``, so that there is exactly one class even when the CLI runs as
``python -m core.cli`` (the form ``torchrun ... -m core.cli`` uses), where the module
``core.cli`` is executed a second time as ``__main__``.
"""

from __future__ import annotations


class UserError(Exception):
    """An error caused by the user's input; printed without a traceback."""
