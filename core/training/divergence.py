"""A warning when training runs away: a loss far above where the run started.

A learning rate far too high rarely gives NaN at once (the loop stops on NaN); more
often the losses jump to hundreds and the accuracy falls to chance while the run goes
on for its whole schedule. :class:`DivergenceWatch` compares every loss term with the
lowest it has been in the session and says so once, so that the user can cancel and
lower the rate instead of waiting for the end.
"""

from __future__ import annotations

#: A batch this many times above the reference (and :data:`BATCH_MARGIN` above it) is
#: a runaway: far beyond the noise of one batch.
BATCH_FACTOR = 10.0
BATCH_MARGIN = 5.0
#: An epoch's mean this many times above the reference (and :data:`EPOCH_MARGIN`
#: above it): the run as a whole went up, not one batch.
EPOCH_FACTOR = 2.0
EPOCH_MARGIN = 2.0


class DivergenceWatch:
    """Watches a session's loss terms; :meth:`batch` / :meth:`epoch` return the
    warning, once per session, or ``None``.

    Each term is compared with the lowest of its first batch and its epoch means so
    far (the first batch, before any step, is where a classifier trained from scratch
    starts: ``ln C``). An epoch must rise 2 above it as well as double it: a classifier
    taken over trained (fine-tuning a model of the same classes) starts near 0 and
    may rise to ~1 while it adapts, and that is no runaway. The terms watched are the parts of the objective (``cls``,
    ``motion``, …), not ``total``, whose weights change during moving pretraining;
    ``total`` is watched when it is the only term.
    """

    def __init__(self) -> None:
        self.reference: dict[str, float] = {}
        self.warned = False

    def batch(self, epoch: int, losses: dict[str, float], lr: float) -> str | None:
        """Check one batch's losses (a term's first value sets its reference)."""
        terms = _terms(losses)
        warning = self._check(
            terms, epoch, lr, BATCH_FACTOR, BATCH_MARGIN, "a batch of "
        )
        for name, value in terms.items():
            self.reference.setdefault(name, value)
        return warning

    def epoch(self, epoch: int, means: dict[str, float], lr: float) -> str | None:
        """Check one epoch's mean losses, then lower the reference to them."""
        terms = _terms(means)
        warning = self._check(terms, epoch, lr, EPOCH_FACTOR, EPOCH_MARGIN, "")
        for name, value in terms.items():
            self.reference[name] = min(self.reference.get(name, value), value)
        return warning

    def _check(
        self,
        terms: dict[str, float],
        epoch: int,
        lr: float,
        factor: float,
        margin: float,
        what: str,
    ) -> str | None:
        if self.warned:
            return None
        for name, value in terms.items():
            ref = self.reference.get(name)
            if ref is None or not (value > factor * ref and value > ref + margin):
                continue
            self.warned = True
            return (
                f"the {name} loss jumped to {value:.4g} in {what}epoch {epoch} "
                f"(from {ref:.4g}): the learning rate ({lr:g}) may be too high; if "
                "the loss does not come back down, cancel and start again with a "
                "lower one"
            )
        return None


def _terms(losses: dict[str, float]) -> dict[str, float]:
    """The terms worth watching: the parts (or the total alone), without zeros: a
    batch without a labelled clip has a classification loss of exactly 0 (joint or
    moving training on a share of the labels), which says nothing of the rate."""
    parts = {k: v for k, v in losses.items() if k != "total"} or dict(losses)
    return {k: v for k, v in parts.items() if v != 0.0}
