"""The vocabulary shared by every part of authlint: spans, edits, fixes, findings."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .source import Source


class Severity(enum.IntEnum):
    INFO = 0
    WARNING = 1
    ERROR = 2

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use info, warning or error)") from None


class Applicability(enum.IntEnum):
    """How far a fix can be trusted; ordered as in ruff."""

    DISPLAY_ONLY = 0  # shown, never applied (no exact edit is possible)
    UNSAFE = 1  # applied only with --unsafe-fixes
    SAFE = 2  # applied by `authlint fix`

    def __str__(self) -> str:
        return {0: "display-only", 1: "unsafe", 2: "safe"}[int(self)]


@dataclass(frozen=True, order=True)
class Span:
    """Half-open character range [start, end) in a Source's text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"bad span {self.start}..{self.end}")

    def __contains__(self, other: "Span") -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Edit:
    """Replace text[start:end] of one file with content (empty span = insert)."""

    path: str
    start: int
    end: int
    content: str


@dataclass(frozen=True)
class Fix:
    """Text edits that resolve a finding, and how safe they are to apply."""

    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.UNSAFE
    # Why the fix is display-only, when it is.
    reason: str | None = None

    def applies(self, required: Applicability) -> bool:
        return self.applicability >= required and self.applicability > Applicability.DISPLAY_ONLY


@dataclass(eq=False)
class Hit:
    """A rule's report, in file coordinates."""

    source: "Source"
    span: Span
    message: str
    fix: Fix | None = None
    job: str | None = None
    secrets: tuple[str, ...] = ()  # values to redact wherever this finding is shown
    key: str = ""  # secret-free discriminator for the fingerprint
    severity: Severity | None = None  # lower than the rule's when the finding changes little here


@dataclass
class Finding:
    """A reported problem: a rule's hit with its code, severity and place, ready for a reporter."""

    code: str
    name: str
    severity: Severity
    message: str  # already redacted
    path: str
    span: Span
    job: str | None = None
    fix: Fix | None = None
    # A stable, secret-free identity for baselines (rule + path + job + redacted key text).
    fingerprint_key: str = ""
    # Paths of other files this finding depends on (for context linting).
    related: tuple[str, ...] = field(default_factory=tuple)
