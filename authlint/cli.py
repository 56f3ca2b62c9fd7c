"""Command line: check / fix / rule / rules / lsp.

Exit codes: 0 clean, 1 findings (or changes with --diff), 2 usage or internal error.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

from . import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse quotes bad values and unknown options: a pasted token must not reach the terminal."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, formatter_class=_Formatter, **kwargs)

    def error(self, message: str):  # type: ignore[override]
        from .secrets import redact_text

        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {redact_text(message)}\n")


COMMANDS = ("check", "fix", "rule", "rules", "lsp")


class _Formatter(argparse.HelpFormatter):
    """argparse builds a formatter for every declared option, not only to print help; the default
    one asks shutil for the terminal width, and importing shutil (bz2, lzma ...) costs ~2.5 ms."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=_terminal_width() - 2)


def _terminal_width() -> int:
    """shutil.get_terminal_size().columns: a positive $COLUMNS, else stdout's terminal, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", 0))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line; given the command about to run, only its options are declared (argparse
    builds a help formatter per option: declaring every command's cost ~4 ms of start-up)."""
    p = _Parser(prog="authlint", description="Keep container-registry credentials safe in GitLab CI.")
    p.add_argument("--version", action="version", version=f"authlint {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def lint_args(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .); - reads stdin")
        sp.add_argument("--output-format", default=None, help="text (default), concise, json, sarif, gitlab, junit or github")
        sp.add_argument("--output-file", default=None, metavar="FILE", help="write the report to FILE instead of stdout")
        # Repeated selector options add up: `--select AL1 --select AL2` is `--select AL1,AL2`.
        sp.add_argument("--select", action="append", default=None, help="comma-separated codes, prefixes or names to enable (replaces the default)")
        sp.add_argument("--extend-select", action="append", default=None, help="codes to enable in addition")
        sp.add_argument("--ignore", action="append", default=None, help="codes to disable")
        sp.add_argument("--ci-config-path", action="append", default=None, metavar="PATH",
                        help="the pipeline's root CI file, from the repository top (default: .gitlab-ci.yml, else detected)")
        sp.add_argument("--severity", default=None, help="fail only on findings at or above: info, warning (default), error")
        sp.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
        sp.add_argument("--statistics", action="store_true", help="show counts per rule")
        sp.add_argument("--diff", action="store_true", help="show fixes as a unified diff; write nothing")
        sp.add_argument("--unsafe-fixes", action="store_true", default=None, help="also apply or show unsafe fixes")
        sp.add_argument("--show-fixes", action="store_true", help="list the fixes that were applied")
        sp.add_argument("--stdin-filename", default=None, metavar="NAME", help="the name of the file read from stdin (default: .gitlab-ci.yml)")
        sp.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
        sp.add_argument("--baseline", default=None, metavar="FILE", help="ignore the findings recorded in FILE (see --write-baseline)")
        sp.add_argument("--write-baseline", default=None, metavar="FILE", help="record the current findings in FILE and exit 0")
        sp.add_argument("--config", default=None, help="path of a config file (pyproject.toml, authlint.toml)")
        sp.add_argument("--force-exclude", action="store_true", help="apply `exclude` to paths given on the command line too (for pre-commit)")
        sp.add_argument("-q", "--quiet", action="store_true", help="print findings only, no summary")
        sp.add_argument("--color", choices=("auto", "always", "never"), default="auto")
        sp.add_argument("--show-files", action="store_true", help="list each file to lint and the pipeline root it is linted under")
        sp.add_argument("--show-settings", action="store_true", help="print the resolved settings and where each value came from")

    if command in (None, "check"):
        check = sub.add_parser("check", help="lint files (default command)")
        lint_args(check)
        check.add_argument("--fix", action="store_true", help="apply safe fixes (add --unsafe-fixes for the rest)")
    if command in (None, "fix"):
        lint_args(sub.add_parser("fix", help="apply fixes (same as check --fix)"))
    if command in (None, "rule"):
        sub.add_parser("rule", help="show a rule's documentation").add_argument("code", help="rule code or name, e.g. AL206")
    if command in (None, "rules"):
        sub.add_parser("rules", help="list all rules").add_argument("--output-format", choices=("text", "json"), default="text")
    if command in (None, "lsp"):
        sub.add_parser("lsp", help="start the language server on stdio (needs authlint[lsp])")
    return p


def run() -> int:
    """The `authlint` program (console script, `python -m authlint`): one command, then exit.

    A one-shot process spares the cyclic collector the objects that live to its end (modules,
    classes, rule tables): collection is off from here (linting collects between projects
    itself, see projects.py), and at exit everything is frozen, so the interpreter's last
    collection does not tear down every module's cycles one by one; ~14 ms of a 140 ms check
    of one small file.  The language server lives long: it collects as usual."""
    argv = sys.argv[1:]
    if argv[:1] != ["lsp"]:
        gc.disable()
    code = main(argv)
    gc.freeze()
    return code


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):  # text from a file that is not UTF-8 must not crash the report
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    if argv and argv[0] not in {*COMMANDS, "-h", "--help", "--version"}:
        argv.insert(0, "check")
    parser = _parser(argv[0] if argv and argv[0] in COMMANDS else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    try:
        if args.command in (None,):
            parser.print_help()
            return EXIT_OK
        if args.command == "rule":
            return _rule(args.code)
        if args.command == "rules":
            return _rules(args.output_format)
        if args.command == "lsp":
            from .lsp import main as lsp_main

            return lsp_main()
        return _check(args, fix=args.command == "fix" or getattr(args, "fix", False))
    except UsageError as exc:
        from .secrets import redact_text

        print(f"authlint: error: {redact_text(str(exc))}", file=sys.stderr)  # an argument may be a pasted token
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`authlint rules | head`): nothing left to say
        _stdout_gone()
        return EXIT_FINDINGS
    except Exception as exc:  # never a traceback for users; AUTHLINT_DEBUG=1 shows it
        if os.environ.get("AUTHLINT_DEBUG"):
            raise
        from .secrets import redact_text

        print(f"authlint: internal error: {type(exc).__name__}: {redact_text(str(exc))[:300]}", file=sys.stderr)
        return EXIT_ERROR


def _split(value: str | list[str] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    values = [value] if isinstance(value, str) else value
    return tuple(v.strip() for item in values for v in item.split(",") if v.strip())


def _stdout_gone() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _emit(text: str, output_file: str | None = None) -> None:
    """Write the report to stdout (or FILE); a closed pipe ends the output, not the run."""
    if output_file:
        try:
            Path(output_file).write_text(text, encoding="utf-8", errors="surrogateescape")
        except OSError as exc:
            raise UsageError(f"cannot write {output_file}: {exc.strerror or exc}") from None
        return
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_gone()


def _settings(args):
    from .diagnostics import Severity
    from .rules import UnknownSelector, expand
    from .settings import ConfigError, load_settings

    try:
        settings = load_settings(Path.cwd(), Path(args.config) if args.config else None)
        for sel in (args.select, args.extend_select, args.ignore):
            if sel:
                expand(_split(sel) or ())
        ci_paths = None
        if args.ci_config_path:
            from .settings import ci_paths as parse_ci_paths

            ci_paths = parse_ci_paths(args.ci_config_path)
        changes = {
            "select": _split(args.select),
            "extend_select": (settings.extend_select + _split(args.extend_select)) if args.extend_select else None,
            "ignore": (settings.ignore + _split(args.ignore)) if args.ignore else None,
            "unsafe_fixes": args.unsafe_fixes,
            "fail_severity": Severity.parse(args.severity) if args.severity else None,
            "ci_config_path": ci_paths,
        }
        return settings.with_overrides(**changes)
    except (ConfigError, UnknownSelector, ValueError) as exc:
        raise UsageError(str(exc)) from None


def _check(args, fix: bool) -> int:
    from . import api
    from .reporters import FORMATS, Report, Tally, get

    fmt = args.output_format or "text"
    if fmt not in FORMATS:
        raise UsageError(f"unknown output format {fmt!r} (choose from {', '.join(FORMATS)})")
    settings = _settings(args)
    if args.show_settings:
        _emit(_show_settings(settings, args), args.output_file)
        return EXIT_OK
    baseline = _load_baseline(args.baseline) if args.baseline and not args.write_baseline else None
    color = not args.output_file and (args.color == "always" or (args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")))
    overlays: dict[str, str] = {}
    paths = args.paths or ["."]
    if "-" in paths or args.stdin_filename:
        name = args.stdin_filename or ".gitlab-ci.yml"
        text = sys.stdin.buffer.read().decode("utf-8", errors="surrogateescape")
        overlays[os.path.abspath(Path(name))] = text
        paths = [name]
        args.stdin_filename = name
    unsafe = bool(args.unsafe_fixes or settings.unsafe_fixes)
    if args.force_exclude:
        paths = [p for p in paths if not settings.is_excluded(Path(p).as_posix())]
        if not paths:
            return EXIT_OK
    if args.show_files:
        result = api.Linter(settings, overlays).lint_paths([Path(p) for p in paths])
        _emit(_show_files(result), args.output_file)
        _warn_if_empty(result)
        return EXIT_ERROR if result.internal_error or (result.errors and not result.files) else EXIT_OK

    fixed_count = 0
    if args.diff:
        res = api.fix_paths(paths, settings, unsafe=unsafe, write=False, overlays=overlays)
        changed = res.changed
        sys.stdout.write(_diffs(changed, res.outcome.secrets))
        if not args.quiet:
            n = len(res.outcome.applied)
            print(f"Would fix {n} finding{'s' if n != 1 else ''} in {len(changed)} file{'s' if len(changed) != 1 else ''}.", file=sys.stderr)
        return EXIT_FINDINGS if changed else EXIT_OK
    if fix:
        res = api.fix_paths(paths, settings, unsafe=unsafe, write=not args.stdin_filename, overlays=overlays)
        result = res.result
        fixed_count = len(res.outcome.applied)
        if args.stdin_filename:
            key = next(iter(res.changed), None)
            _write_raw(res.changed[key][1] if key else next(iter(overlays.values())))
            if baseline is not None:
                from dataclasses import replace

                from .baseline import apply

                result = replace(result, findings=apply(result.findings, baseline)[0])
            return EXIT_OK if not _failing(result, settings) or args.exit_zero else EXIT_FINDINGS
        if args.show_fixes and res.outcome.applied:
            from .secrets import redact_text

            for f in res.outcome.applied:
                title = redact_text(f.fix.title, res.outcome.secrets.get(f.path, ())) if f.fix else ""
                print(f"fixed {f.path}: {f.code} {title}")
    elif overlays:
        result = api.Linter(settings, overlays).lint_paths([Path(p) for p in paths])
    else:
        if args.no_cache or os.environ.get("AUTHLINT_NO_CACHE"):
            from functools import partial

            # A text report shows no fingerprints: none is computed unless a baseline matches them.
            plain = fmt in ("text", "concise") and baseline is None and not args.write_baseline
            lint = partial(api.lint_paths, fingerprints=not plain)
        else:
            from . import cache

            lint = cache.lint_paths
        if args.write_baseline:
            return _write_baseline(args, lambda sink: lint(paths, settings, sink=sink))
        report = Report(api.LintResult([], {}, []), color=color, statistics=args.statistics, unsafe_hint=not unsafe)
        return _check_streamed(args, fmt, lint, paths, settings, baseline, report)
    if args.write_baseline:
        def whole(sink):
            sink(result)
            return result

        return _write_baseline(args, whole)
    in_baseline = 0
    if baseline is not None:
        from dataclasses import replace

        from .baseline import apply

        kept, in_baseline = apply(result.findings, baseline)
        result = replace(result, findings=kept)
    report = Report(result, color=color, statistics=args.statistics, fixed_count=fixed_count, unsafe_hint=not unsafe)
    out = get(fmt)(report)
    _emit(_quiet(out) if args.quiet and fmt in ("text", "concise") else out, args.output_file)
    return _finish(args, fmt, result, in_baseline, Tally.of(result.findings), settings)


def _check_streamed(args, fmt: str, lint, paths: list[str], settings, baseline, report) -> int:
    """A report written part by part as the lint (or the cache) sends them, a baseline applied
    as they come: what a run keeps stays flat with the number of projects; the same bytes
    and exit code as the whole report."""
    from dataclasses import replace

    from .reporters import stream

    out = _Output(args.output_file)
    write = (lambda piece: out.write(_quiet(piece))) if args.quiet and fmt in ("text", "concise") else out.write
    sink = stream(fmt, report, write)
    matcher = None
    if baseline is not None:
        from .baseline import Matcher

        matcher = Matcher(baseline)

    cycles = fmt in ("json", "sarif", "gitlab")  # json.dumps leaves reference cycles, and run() turned collection off

    def part(result) -> None:
        sink.part(result if matcher is None else replace(result, findings=matcher.keep(result.findings)))
        if cycles:
            gc.collect(0)

    try:
        result = lint(paths, settings, sink=part)
        sink.close(result)
    finally:
        out.close()
    return _finish(args, fmt, result, matcher.matched if matcher is not None else 0, sink.tally, settings)


def _finish(args, fmt: str, result, in_baseline: int, tally, settings) -> int:
    """After the report: the notes on stderr/stdout it leaves out, and the exit code."""
    _warn_if_empty(result)
    if in_baseline and fmt == "text" and not args.quiet:
        print(f"{in_baseline} finding{'s' if in_baseline != 1 else ''} in baseline.")
    if result.errors and fmt not in ("text", "concise"):
        for err in result.errors:
            print(f"authlint: error: {err}", file=sys.stderr)
    return _exit_code(args, result, tally, settings)


def _exit_code(args, result, tally, settings) -> int:
    if result.internal_error or (result.errors and not tally.found):
        return EXIT_ERROR
    if args.exit_zero or tally.worst is None:
        return EXIT_OK
    return EXIT_FINDINGS if tally.worst >= settings.fail_severity else EXIT_OK


def _quiet(out: str) -> str:
    """A text report's findings only: no summary lines."""
    kept = [line for line in out.splitlines() if line and not line.startswith(("Found ", "[*]", "All checks", "Fixed ", "No findings", "No files")) and "fixable with" not in line]
    return "\n".join(kept) + "\n" if kept else ""


class _Output:
    """Where a streamed report goes, piece by piece: stdout as _emit writes it, or FILE,
    created at the first piece."""

    def __init__(self, path: str | None) -> None:
        self.path, self.file = path, None

    def write(self, text: str) -> None:
        if not self.path:
            _emit(text)
            return
        try:
            if self.file is None:
                self.file = open(self.path, "w", encoding="utf-8", errors="surrogateescape")
            self.file.write(text)
        except OSError as exc:
            raise UsageError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def close(self) -> None:
        if self.file is not None:
            try:
                self.file.close()
            except OSError as exc:
                raise UsageError(f"cannot write {self.path}: {exc.strerror or exc}") from None


def _warn_if_empty(result) -> None:
    """A run that looked at nothing says so (ruff: "No Python files found"), as does one whose
    configured pipeline root is missing."""
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not result.files and not result.errors:
        print("warning: No CI, shell or auth files found under the given path(s); nothing was linted", file=sys.stderr)


def _show_files(result) -> str:
    from .workspace import classify

    lines = []
    for path in result.files:
        root = result.pipelines.get(path)
        note = "" if root is None else "  (pipeline root)" if root == path else f"  (in pipeline {root})"
        if root is not None and root != path and classify(Path(path)) == "shell":
            note = f"  (called in pipeline {root})"
        lines.append(path + note)
    return "".join(line + "\n" for line in lines)


def _show_settings(settings, args) -> str:
    """Every setting as TOML-like `key = value  # origin`: default, the config file, or the command line."""
    import dataclasses
    import json

    from .settings import Settings

    default = Settings()
    given = {"select": args.select, "extend_select": args.extend_select, "ignore": args.ignore,
             "unsafe_fixes": args.unsafe_fixes, "fail_severity": args.severity, "ci_config_path": args.ci_config_path}
    from_file = settings.from_config
    lines = [f"# config file: {settings.config_path or '(none: defaults)'}"]
    for field in dataclasses.fields(Settings):
        if field.name in ("config_path", "from_config"):
            continue
        value = getattr(settings, field.name)
        if given.get(field.name) is not None:
            origin = "command line"
        elif field.name in from_file:
            origin = settings.config_path
        elif field.name == "project_dir":
            origin = "the config file's directory" if settings.config_path else "the working directory"
        else:
            origin = "default" if value == getattr(default, field.name) else settings.config_path
        lines.append(f"{field.name.replace('_', '-')} = {json.dumps(_plain(value))}  # {origin}")
    return "\n".join(lines) + "\n"


def _plain(value):
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "name") and hasattr(value, "value") and not isinstance(value, str):  # an enum
        return str(value)
    return value


def _write_raw(text: str) -> None:
    """The (fixed) stdin text back, byte for byte (bytes that were not UTF-8 included)."""
    data = text.encode("utf-8", "surrogateescape")
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        _emit(data.decode("utf-8", "replace"))
        return
    try:
        sys.stdout.flush()
        buffer.write(data)
        buffer.flush()
    except BrokenPipeError:  # as _emit: a closed pipe ends the output, not the run
        _stdout_gone()


def _load_baseline(path: str):
    from .baseline import BaselineError, load

    try:
        return load(path)
    except BaselineError as exc:
        raise UsageError(str(exc)) from None


def _write_baseline(args, lint) -> int:
    """Record the findings' fingerprints, part by part as lint(sink) sends them (only their
    counts are kept)."""
    from collections import Counter

    from .baseline import BaselineError, counts, write

    recorded: Counter = Counter()
    result = lint(lambda part: counts(part.findings, recorded))
    if result.internal_error or (result.errors and not recorded):
        for err in result.errors:
            print(f"authlint: error: {err}", file=sys.stderr)
        return EXIT_ERROR  # a partial baseline would hide findings it never saw
    try:
        n = write(args.write_baseline, recorded)
    except BaselineError as exc:
        raise UsageError(str(exc)) from None
    if not args.quiet:
        print(f"Wrote {n} finding{'s' if n != 1 else ''} to baseline {args.write_baseline}.", file=sys.stderr)
    return EXIT_OK


def _failing(result, settings) -> bool:
    return any(f.severity >= settings.fail_severity for f in result.findings)


def _diffs(changed: dict[str, tuple[str, str]], secrets: dict[str, set[str]] | None = None) -> str:
    """Unified diffs of the fixes, each file's values redacted in its own diff (the diff is for
    review, and CI logs keep it), whole tokens only so `patch` still applies the rest."""
    import difflib  # only for --diff: ~3 ms of start-up otherwise

    from .salvage import secrets_in_broken_text
    from .secrets import SecretSet, redact_text

    out = []
    for path, (old, new) in sorted(changed.items()):
        found = (secrets or {}).get(path, set())
        lines = list(difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"a/{path}", f"b/{path}"))
        # Context lines are shown whatever they mean: read them as token streams too (salvage).
        values = SecretSet(found | secrets_in_broken_text("".join(lines[2:])))
        for i, line in enumerate(lines):
            body = line if i < 2 else redact_text(line, values, whole_tokens=True)  # the ---/+++ headers hold the path
            out.append(body if body.endswith("\n") else body + "\n\\ No newline at end of file\n")
    return "".join(out)


def _rule(code: str) -> int:
    from .docs import render_rule
    from .rules import lookup

    module = lookup(code)
    if module is None:
        raise UsageError(f"unknown rule {code!r}; `authlint rules` lists them")
    _emit(render_rule(module))
    return EXIT_OK


def _rules(fmt: str) -> int:
    from .rules import all_rules

    rules = all_rules()
    if fmt == "json":
        import json

        _emit(json.dumps([
            {"code": r.code, "name": r.name, "severity": str(r.severity), "fix": r.fix, "default": r.default_enabled, "summary": r.summary}
            for r in rules
        ], indent=2) + "\n")
        return EXIT_OK
    lines = []
    for r in rules:
        flag = "" if r.default_enabled else " (off by default)"
        lines.append(f"{r.code}  {r.name:<34} {str(r.severity):<8} fix:{r.fix:<9} {r.summary}{flag}\n")
    _emit("".join(lines))
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
