"""A health observer that only notes what it was told: each call answered, or the reason it failed."""

from __future__ import annotations


class OutcomeLog:
    def __init__(self) -> None:
        self.outcomes: list[str] = []

    def answered(self) -> None:
        self.outcomes.append("answered")

    def failed(self, reason: str) -> None:
        self.outcomes.append(reason)
