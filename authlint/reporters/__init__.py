"""Output formats.  Each reporter turns a LintResult into text; every one of
them shows redacted text only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from ..diagnostics import Applicability, Finding, Severity
from ..engine import LintResult
from ..secrets import fingerprint, may_hold_token, redact_text
from ..source import Source


class Lines:
    """Lines of offsets in a report's sources, as Source.index gives them.  A text of LF line
    ends is counted forward from the last offset asked (findings come in file order) instead:
    its index splits the whole text, for a file's two or three findings."""

    def __init__(self, count: bool = True) -> None:
        self.count = count  # false: the index answers (a caller asking in no order)
        self.at: dict[Source, list[int] | None] = {}  # [offset, its line, that line's start]; None: the index

    def position(self, src: Source, offset: int) -> tuple[int, int]:
        """The 1-based line and column of an offset (clamped to the text), as src.index.position
        gives them (a cached result's stand-in source has no text, only its index)."""
        if self._counted(src) is None:
            pos = src.index.position(offset)
            return pos.line, pos.column
        offset = max(0, min(offset, len(src.text)))
        line0, begin = self.start(src, offset)
        return line0 + 1, offset - begin + 1

    def start(self, src: Source, offset: int) -> tuple[int, int]:
        """(0-based line, its start offset) of an offset within src.text."""
        at = self._counted(src)
        if at is None or offset < at[0]:  # (out of order: the index, now built once, answers from here on)
            self.at[src] = None
            line0 = src.index.line_of(offset)
            return line0, src.index.line_starts[line0]
        text = src.text
        line0 = at[1] + text.count("\n", at[0], offset)
        newline = text.rfind("\n", at[0], offset)
        begin = at[2] if newline < 0 else newline + 1
        at[:] = offset, line0, begin
        return line0, begin

    def _counted(self, src: Source) -> list[int] | None:
        at = self.at.get(src, False)
        if at is False:
            at = self.at[src] = [0, 0, 0] if self.count and src.text and "\r" not in src.text else None
        return at

    def end(self, src: Source, line0: int, begin: int) -> int:
        """Where the line starting at `begin` ends, before its line break."""
        if self.at.get(src) is None:
            return src.index.line_end(line0)
        end = src.text.find("\n", begin)
        return len(src.text) if end < 0 else end


@dataclass(eq=False)
class Report:
    """A lint result and the presentation options every reporter reads."""

    result: LintResult
    color: bool = False
    show_fixes: bool = False
    statistics: bool = False
    fixed_count: int = 0
    unsafe_hint: bool = True

    def __post_init__(self) -> None:
        self.lines = Lines()  # where the findings' lines start: the report's own, not an option

    def over(self, result: LintResult) -> "Report":
        """replace(self, result=result), for a streamed part: a copy of the fields, without
        dataclasses.replace's walk over them (~8 us, once a part: 10,000 at 10,000 projects)."""
        view = object.__new__(Report)
        view.__dict__.update(self.__dict__, result=result, lines=Lines())
        return view

    def secrets_of(self, f: Finding) -> tuple[str, ...]:
        return self.result.secrets.get(id(f), ())

    def source_of(self, f: Finding) -> Source | None:
        return self.result.sources.get(f.path)

    def redact(self, f: Finding, text: str) -> str:
        """The engine gives each finding every secret found in its file: code frames and
        fixes show more than the finding's own text."""
        return redact_text(text, self.secrets_of(f))

    def frame_parts(self, f: Finding) -> tuple[int, str, str, str] | None:
        """The code frame of f (see `snippet`): stored with a cached result, else from its source."""
        if id(f) in self.result.frames:
            return self.result.frames[id(f)]
        src = self.source_of(f)
        return None if src is None else snippet(src, f.span.start, f.span.end, self.secrets_of(f), self.lines)


def snippet(src: Source, start: int, end: int, secrets: tuple[str, ...],
            lines: Lines | None = None) -> tuple[int, str, str, str] | None:
    """The 0-based line a span starts on and its text before, under and after the span, each
    redacted on its own so a caret still sits under the (redacted) span; a secret straddling
    the span's edge: the whole line redacted.  None for an empty file."""
    if not src.text:
        return None
    lines = lines or Lines(count=False)
    line0, begin = lines.start(src, start)
    line_end = lines.end(src, line0, begin)
    line = src.text[begin:line_end]
    col, stop = start - begin, min(end, line_end) - begin
    before, marked, after = line[:col], line[col:stop], line[stop:]
    if not secrets and not may_hold_token(line):  # no part of the line has anything to redact
        return line0, before, marked, after
    before, marked, after = (redact_text(t, secrets) for t in (before, marked, after))
    whole = redact_text(line, secrets)
    if before + marked + after != whole:
        return line0, whole, "", ""
    return line0, before, marked, after


def safe_fix(f: Finding) -> bool:
    return bool(f.fix and f.fix.edits and f.fix.applicability == Applicability.SAFE)


@dataclass(eq=False)
class Tally:
    """What a summary, the statistics table and the exit code need of the findings: counts
    (a streamed report keeps these, not the findings)."""

    found: int = 0
    safe: int = 0
    unsafe: int = 0
    edits: int = 0  # findings with a fix that edits (any applicability)
    rules: Counter = field(default_factory=Counter)  # (code, name) -> findings
    fixable: Counter = field(default_factory=Counter)  # code -> findings with a safe fix
    worst: Severity | None = None

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> "Tally":
        tally = cls()
        tally.add(findings)
        return tally

    def add(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.found += 1
            self.rules[f.code, f.name] += 1
            self.edits += bool(f.fix and f.fix.edits)
            if safe_fix(f):
                self.safe += 1
                self.fixable[f.code] += 1
            elif f.fix and f.fix.edits and f.fix.applicability == Applicability.UNSAFE:
                self.unsafe += 1
            if self.worst is None or f.severity > self.worst:
                self.worst = f.severity


# Where rule docs live online (docs/rules/<CODE>.md in the repository); the one
# place the SARIF and Code Quality reporters take the project's address from.
REPOSITORY_URL = "https://gitlab.com/authlint/authlint"


def rule_doc_url(code: str) -> str:
    return f"{REPOSITORY_URL}/-/blob/main/docs/rules/{code}.md"


def fingerprints(findings: list[Finding]) -> list[str]:
    """One fingerprint per finding, unique within the report and stable when lines move.

    The engine's fingerprint (rule, path, job, redacted text, occurrence) is used
    as is; a finding without one gets a hash of its code, path and message, and a
    repeated value is disambiguated by its occurrence index, in report order."""
    unique = Fingerprints()
    return [unique.of(f) for f in findings]


class Fingerprints:
    """`fingerprints`, finding by finding (a streamed report keeps the ones given, not the findings)."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def of(self, f: Finding) -> str:
        seen = self.seen
        fp = f.fingerprint_key or fingerprint(f.code, f.path, f.job or "", f.message)[:32]
        n = seen.get(fp, 0)
        seen[fp] = n + 1
        if n:
            fp = fingerprint(fp, str(n))[:32]
            while fp in seen:  # vanishingly unlikely, but a report must not repeat one
                fp = fingerprint(fp)[:32]
            seen[fp] = 1
        return fp


class Spool:
    """Texts kept on disk until a document's head can be written (SARIF's rules, JUnit's counts
    come before the items they count): an unnamed temp file, gone with the process."""

    def __init__(self) -> None:
        import tempfile

        self.file = tempfile.TemporaryFile()

    def add(self, *texts: str) -> None:
        import json

        self.file.write(json.dumps(texts).encode("ascii") + b"\n")

    def __iter__(self) -> Iterator[list[str]]:
        import json

        self.file.seek(0)
        for line in self.file:
            yield json.loads(line)
        self.file.close()


def indented(text: str, prefix: str) -> str:
    return "".join(prefix + line for line in text.splitlines(True))


class _Unusual(Exception):
    """A value json_item leaves to json (a float, a key that is not a string)."""


def json_item(obj, prefix: str) -> str:
    """json.dumps(obj, indent=2, ensure_ascii=False) with prefix before every line, as an item
    nested in a document shows it; built directly: json's indented encoder is pure Python and
    was most of a streamed report's time."""
    from json import dumps  # here: a small clean check imports no json
    from json.encoder import encode_basestring

    out = [prefix]
    try:
        _emit(obj, prefix, out, encode_basestring)
    except _Unusual:
        return indented(dumps(obj, indent=2, ensure_ascii=False), prefix)
    return "".join(out)


def _emit(obj, at: str, out: list[str], encode_basestring: Callable[[str], str]) -> None:
    """obj's JSON at indentation `at` (the checks in json's order: bool before int)."""
    if isinstance(obj, str):
        out.append(encode_basestring(obj))
    elif obj is None:
        out.append("null")
    elif obj is True or obj is False:
        out.append("true" if obj else "false")
    elif isinstance(obj, int):
        out.append(int.__repr__(obj))
    elif isinstance(obj, (list, tuple)):
        if not obj:
            out.append("[]")
            return
        inner = at + "  "
        for i, value in enumerate(obj):
            out.append(("[\n" if i == 0 else ",\n") + inner)
            _emit(value, inner, out, encode_basestring)
        out.append("\n" + at + "]")
    elif isinstance(obj, dict):
        if not obj:
            out.append("{}")
            return
        inner = at + "  "
        for i, (key, value) in enumerate(obj.items()):
            if not isinstance(key, str):
                raise _Unusual
            out.append(("{\n" if i == 0 else ",\n") + inner + encode_basestring(key) + ": ")
            _emit(value, inner, out, encode_basestring)
        out.append("\n" + at + "}")
    else:
        raise _Unusual


def position(src: Source | None, offset: int) -> dict[str, int]:
    if src is None:
        return {"line": 1, "column": 1}
    p = src.index.position(offset)
    return {"line": p.line, "column": p.column}


def get(name: str) -> Callable[[Report], str]:
    module = _module(name)
    return module.render_concise if name == "concise" else module.render


def stream(name: str, report: Report, write: Callable[[str], None]):
    """The streaming reporter of a format: `part(result)` for each part of a lint (its findings,
    in report order), `close(result)` with the rest of the run (files, errors); `tally` then
    holds the counts.  It writes the bytes `get(name)` gives for the whole result."""
    module = _module(name)
    if name in ("text", "concise"):
        return module.Stream(report, name == "concise", write)
    return module.Stream(report, write)


def _module(name: str):
    """A format's module, imported when used (KeyError for an unknown format)."""
    from importlib import import_module

    return import_module(f"{__name__}.{_MODULES[name]}")


_MODULES = {"text": "text", "concise": "text", "json": "json", "sarif": "sarif", "gitlab": "gitlab", "junit": "junit", "github": "github"}
FORMATS = ("text", "concise", "json", "sarif", "gitlab", "junit", "github")
