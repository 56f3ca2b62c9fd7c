"""authlint.shell: the flat shell model, built with the real tree-sitter parser."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authlint.shell import Command, Script, Word, parse
from support.bounded import hang_guard


def names(script: Script) -> list[str | None]:
    return [c.basename for c in script.commands]


def only(script: Script, basename: str) -> Command:
    found = [c for c in script.commands if c.basename == basename]
    assert len(found) == 1, names(script)
    return found[0]


def values(words: list[Word]) -> list[str | None]:
    return [w.value for w in words]


# ------------------------------------------------------------ stack.md snippets


def test_echo_piped_to_base64() -> None:
    src = 'echo -n "$CI_REGISTRY_USER:$CI_REGISTRY_PASSWORD" | base64 -w 0'
    echo, b64 = parse(src).commands
    assert echo.basename == "echo" and b64.basename == "base64"
    arg = echo.args[1]
    assert arg.quoting == "double" and arg.value is None
    assert arg.variables == ["CI_REGISTRY_USER", "CI_REGISTRY_PASSWORD"]
    assert arg.unquoted_variables == [] and arg.single_variable is None
    assert arg.template == "$CI_REGISTRY_USER:$CI_REGISTRY_PASSWORD"
    assert echo.pipeline == [echo, b64] and b64.pipeline is echo.pipeline
    assert (echo.pipeline_index, b64.pipeline_index) == (0, 1)
    assert (echo.connector, b64.connector) == (None, "|")
    assert values(b64.args) == ["-w", "0"]


def test_unquoted_docker_auth_config_redirected() -> None:
    src = "echo $DOCKER_AUTH_CONFIG > /kaniko/.docker/config.json"
    (echo,) = parse(src).commands
    arg = echo.args[0]
    assert arg.single_variable == "DOCKER_AUTH_CONFIG" and arg.quoting == "none"
    assert [p.var for p in arg.unquoted_variables] == ["DOCKER_AUTH_CONFIG"]
    (redirect,) = echo.redirects
    assert (redirect.op, redirect.fd, redirect.target.value) == (">", None, "/kaniko/.docker/config.json")
    assert src[redirect.start : redirect.end] == "> /kaniko/.docker/config.json"
    assert echo.text == src


def test_trailing_redirect_of_a_list_binds_to_the_last_command() -> None:
    src = 'mkdir -p $HOME/.docker && echo "$X" > $HOME/.docker/config.json'
    mkdir, echo = parse(src).commands
    assert mkdir.redirects == []
    assert echo.connector == "&&" and echo.args[0].single_variable == "X"
    (redirect,) = echo.redirects
    assert redirect.target.template == "$HOME/.docker/config.json"
    assert redirect.target.variables == ["HOME"] and not redirect.group
    assert echo.text == 'echo "$X" > $HOME/.docker/config.json'


def test_docker_login_password_in_single_quotes() -> None:
    src = "docker login -u user -p 'hunter2' registry.example.com"
    (cmd,) = parse(src).commands
    assert values(cmd.argv) == ["docker", "login", "-u", "user", "-p", "hunter2", "registry.example.com"]
    password = cmd.args[4]
    assert password.quoting == "single" and password.raw == "'hunter2'"
    assert src[password.start : password.end] == "'hunter2'"
    assert password.template_offset(0) == src.index("hunter2")


NESTED = (
    'echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{\\"auth\\":\\"'
    "$(printf \"%s:%s\" \"$U\" \"$P\" | base64 | tr -d '\\n')"
    '\\"}}}" > /kaniko/.docker/config.json'
)


def test_nested_json_echo_with_command_substitution() -> None:
    script = parse(NESTED)
    assert names(script) == ["echo", "printf", "base64", "tr"]
    echo, printf, b64, tr = script.commands
    assert echo.substitution_depth == 0
    assert [c.substitution_depth for c in (printf, b64, tr)] == [1, 1, 1]
    assert printf.pipeline == [printf, b64, tr] and tr.connector == "|"
    assert values(printf.args) == ["%s:%s", None, None]
    assert [w.single_variable for w in printf.args[1:]] == ["U", "P"]
    assert values(tr.args) == ["-d", "\\n"]  # single quotes: backslash-n stays two chars
    word = echo.args[0]
    subst = "$(printf \"%s:%s\" \"$U\" \"$P\" | base64 | tr -d '\\n')"
    assert word.template == '{"auths":{"$CI_REGISTRY":{"auth":"' + subst + '"}}}'
    kinds = [p.kind for p in word.parts if p.kind != "literal"]
    assert kinds == ["variable", "command_substitution"]
    opaque = [word.template[a:b] for a, b in word.expansion_ranges]
    assert opaque == ["$CI_REGISTRY", subst]
    # Template index -> shell offset: exact for literal characters.
    i = word.template.index("auths")
    assert NESTED[word.template_offset(i) : word.template_offset(i) + 5] == "auths"
    start, _ = word.expansion_ranges[1]
    assert word.template_offset(start) == NESTED.index("$(printf")
    assert echo.redirects[0].target.value == "/kaniko/.docker/config.json"


def test_heredoc_with_following_redirect_and_expansions() -> None:
    src = 'cat <<EOF > config.json\n{"auths": {"$CI_REGISTRY": {"auth": "$(echo $A | base64)"}}}\nEOF\necho done\n'
    script = parse(src)
    assert names(script) == ["cat", "echo", "base64", "echo"]
    cat = script.commands[0]
    heredoc_redirect, file_redirect = cat.redirects
    assert (heredoc_redirect.op, file_redirect.op, file_redirect.target.value) == ("<<", ">", "config.json")
    heredoc = heredoc_redirect.heredoc
    assert heredoc.delimiter == "EOF" and not heredoc.quoted and not heredoc.strip_tabs
    assert heredoc.body == src[heredoc.body_start : heredoc.body_end]
    assert heredoc.body.startswith('{"auths"') and heredoc.body.endswith("}}}\n")
    assert [(p.kind, p.var) for p in heredoc.parts] == [("variable", "CI_REGISTRY"), ("command_substitution", None)]
    assert all(src[p.start : p.end] == p.raw and p.quoted for p in heredoc.parts)
    inner_echo, b64 = script.commands[1:3]
    assert inner_echo.substitution_depth == b64.substitution_depth == 1
    assert inner_echo.pipeline == [inner_echo, b64]
    assert script.commands[3].substitution_depth == 0 and cat.text == "cat <<EOF > config.json"


def test_quoted_heredoc_delimiter_means_no_expansion() -> None:
    src = "cat > f <<'EOF'\n$X $(id)\nEOF\n"
    script = parse(src)
    assert names(script) == ["cat"]
    file_redirect, heredoc_redirect = script.commands[0].redirects
    assert file_redirect.op == ">" and heredoc_redirect.op == "<<"
    heredoc = heredoc_redirect.heredoc
    assert heredoc.quoted and heredoc.delimiter == "EOF" and heredoc.parts == []
    assert heredoc.body == "$X $(id)\n"


def test_heredoc_variants() -> None:
    src = 'cat <<-"EOF"\n\t$X\n\tEOF\ncat <<\\END\n$Y\nEND\n'
    first, second = (c.redirects[0].heredoc for c in parse(src).commands)
    assert (first.delimiter, first.quoted, first.strip_tabs) == ("EOF", True, True)
    assert (second.delimiter, second.quoted, second.strip_tabs) == ("END", True, False)


def test_heredoc_piped_into_docker_login() -> None:
    src = "cat <<EOF | docker login -u u --password-stdin registry\n$REGISTRY_PASSWORD\nEOF\n"
    cat, docker = parse(src).commands
    assert docker.pipeline == [cat, docker] and docker.pipeline_index == 1 and docker.connector == "|"
    assert cat.redirects[0].heredoc.parts[0].var == "REGISTRY_PASSWORD"


# ------------------------------------------------------------------- structure


def test_connectors_and_negation() -> None:
    script = parse("a; b && ! c || d & e\nf")
    assert names(script) == list("abcdef")
    assert [c.connector for c in script.commands] == [None, ";", "&&", "||", "&", None]
    assert [c.negated for c in script.commands] == [False, False, True, False, False, False]


def test_env_prefix_and_assignments() -> None:
    src = 'FOO=1 BAR="x y" cmd a 2>&1 >>log\nexport X=1 Y\nZ=\nlocal L="$(id)"\nA+=b'
    script = parse(src)
    cmd = script.commands[0]
    assert [(a.name, a.value.value, a.kind) for a in cmd.env] == [("FOO", "1", "prefix"), ("BAR", "x y", "prefix")]
    assert [(r.fd, r.op, r.target.value) for r in cmd.redirects] == [(2, ">&", "1"), (None, ">>", "log")]
    assert cmd.text == "FOO=1 BAR=\"x y\" cmd a 2>&1 >>log"
    got = [(a.name, a.kind, a.value.value if a.value else None) for a in script.assignments]
    assert got == [("X", "export", "1"), ("Y", "export", None), ("Z", "plain", ""), ("L", "local", None), ("A", "plain", "b")]
    assert script.assignments[-1].append
    export = script.commands[1]
    assert export.basename == "export" and values(export.args) == ["X=1", "Y"]
    assert only(script, "id").substitution_depth == 1
    assert "FOO" not in [a.name for a in script.assignments]  # prefixes live on the command


def test_assignment_with_redirect_only_is_valid() -> None:
    script = parse("X=$(cat f) > out")
    assert script.errors == []
    nameless = script.commands[0]
    assert nameless.name is None and nameless.env[0].name == "X" and nameless.redirects[0].op == ">"
    assert only(script, "cat").substitution_depth == 1


def test_words_after_a_redirect_are_arguments() -> None:
    (echo,) = parse('echo > config.json "$DOCKER_AUTH_CONFIG" x').commands
    assert [w.raw for w in echo.args] == ['"$DOCKER_AUTH_CONFIG"', "x"]
    assert echo.redirects[0].target.value == "config.json"


def test_redirect_forms() -> None:
    cmd, cat = parse('>first cmd <in 3<&0 &>both >| clobber\ncat <<< "$H" > out').commands
    assert [(r.op, r.fd) for r in cmd.redirects] == [(">", None), ("<", None), ("<&", 3), ("&>", None), (">|", None)]
    assert [r.target.value for r in cmd.redirects] == ["first", "in", "0", "both", "clobber"]
    here, out = cat.redirects
    assert here.op == "<<<" and here.target.single_variable == "H" and out.target.value == "out"


def test_group_redirects_apply_to_each_command() -> None:
    script = parse("{ echo a; echo b; } > out\nwhile read l; do echo $l; done < in")
    for cmd in script.commands[:2]:
        assert [(r.op, r.target.value, r.group) for r in cmd.redirects] == [(">", "out", True)]
    read, echo = script.commands[2:]
    assert read.in_condition and not echo.in_condition
    assert echo.redirects[0].target.value == "in"


def test_compound_statements_and_functions() -> None:
    src = (
        "if [ -n \"$(cat f)\" ]; then docker login -p x r; elif test -f y; then b; else c; fi\n"
        "for i in a \"$(ls)\"; do e $i; done\n"
        "case $X in a|b) f1;; *) g1;; esac\n"
        "deploy() { push_it \"$1\"; }\n"
        "function other { (inner) > out; }\n"
    )
    script = parse(src)
    assert names(script) == ["[", "cat", "docker", "test", "b", "c", "ls", "e", "f1", "g1", "push_it", "inner"]
    cond = {c.basename: c.in_condition for c in script.commands}
    assert cond["["] and cond["cat"] and cond["test"] and not cond["docker"] and not cond["b"]
    test_cmd = script.commands[0]
    assert [w.raw for w in test_cmd.argv] == ["[", "-n", '"$(cat f)"', "]"]
    funcs = {c.basename: c.in_function for c in script.commands}
    assert funcs["push_it"] == "deploy" and funcs["inner"] == "other" and funcs["docker"] is None
    assert only(script, "inner").redirects[0].group


def test_subshells_and_process_substitution() -> None:
    script = parse("(cd d && make) | tee log; diff <(a) `b`; x=$(( $(wc -l < f) + 1 ))")
    assert names(script) == ["cd", "make", "tee", "diff", "a", "b", "wc"]
    depth = {c.basename: c.substitution_depth for c in script.commands}
    assert depth == {"cd": 0, "make": 0, "tee": 0, "diff": 0, "a": 1, "b": 1, "wc": 1}
    assert only(script, "wc").redirects[0].op == "<"


def test_basename_and_argv() -> None:
    script = parse('/kaniko/executor --context . ; "$TOOL" x')
    kaniko, tool = script.commands
    assert kaniko.basename == "executor" and kaniko.name.value == "/kaniko/executor"
    assert [w.value for w in kaniko.argv] == ["/kaniko/executor", "--context", "."]
    assert tool.basename is None and tool.name.single_variable == "TOOL"


# ----------------------------------------------------------------------- words


def test_quote_decoding() -> None:
    src = r"""echo a\ b 'x\y' "d\$q\"e\\f\g" $'a\nb\t\\\'\"\x41' 'it'\''s' "a\
b" """
    (echo,) = parse(src).commands
    assert values(echo.args) == ["a b", "x\\y", 'd$q"e\\f\\g', "a\nb\t\\'\"A", "it's", "ab"]
    assert [w.quoting for w in echo.args] == ["none", "single", "double", "ansi_c", "mixed", "double"]


def test_line_continuations() -> None:
    script = parse("docker login \\\n  -u x \\\n  -p y r\necho a\\\nb")
    docker, echo = script.commands
    assert values(docker.args) == ["login", "-u", "x", "-p", "y", "r"]
    assert values(echo.args) == ["ab"] and echo.args[0].raw == "a\\\nb"


def test_translated_string_is_one_word() -> None:
    (echo,) = parse('echo $"hello $USER"').commands
    assert len(echo.args) == 1 and echo.args[0].raw == '$"hello $USER"'
    assert echo.args[0].template == "hello $USER" and echo.args[0].variables == ["USER"]


def test_expansion_kinds() -> None:
    echo, _ = parse('echo ${X:-d} ${#Y} "${Z}" $((1+2)) $(id) ${A[0]} $1 "$@"').commands
    parts = [w.parts[0] for w in echo.args]
    assert [(p.kind, p.var, p.simple) for p in parts] == [
        ("variable", "X", False),
        ("variable", "Y", False),
        ("variable", "Z", True),
        ("arithmetic", None, False),
        ("command_substitution", None, False),
        ("variable", "A", False),
        ("variable", "1", True),
        ("variable", "@", True),
    ]
    assert [w.single_variable for w in echo.args] == [None, None, "Z", None, None, None, "1", "@"]
    assert echo.args[0].unquoted_variables[0].var == "X" and echo.args[2].unquoted_variables == []


def test_empty_and_partial_words() -> None:
    (cmd,) = parse('docker login -p "" r --password=$P').commands
    assert cmd.args[2].value == "" and cmd.args[2].quoting == "double"
    last = cmd.args[-1]
    assert last.template == "--password=$P" and last.variables == ["P"] and last.single_variable is None


# ----------------------------------------------------------------------- sh -c


def test_sh_c_is_reparsed_with_exact_offsets() -> None:
    src = "sh -c 'docker login -p secret r'"
    sh, docker = parse(src).commands
    assert sh.via is None and docker.via == "sh -c" and docker.exact
    assert docker.text == "docker login -p secret r" == src[docker.start : docker.end]
    secret = docker.args[2]
    assert secret.value == "secret" and src[secret.start : secret.end] == "secret"


def test_shell_string_variants() -> None:
    src = (
        '/bin/bash -lc "docker login -u $U -p $P $R"\n'
        "sh -ec 'printf %s \"$X\" | docker login --password-stdin'\n"
        'docker run img bash -o pipefail -c "echo \\"$(id)\\" > f"\n'
    )
    script = parse(src)
    via = [c for c in script.commands if c.via]
    assert [c.basename for c in via] == ["docker", "printf", "docker", "echo"]
    assert {c.via for c in via} == {"bash -c", "sh -c"}
    login = via[0]
    assert login.exact and src[login.start : login.end] == login.text
    assert [w.single_variable for w in login.args[2:]] == ["U", None, "P", "R"]
    assert via[2].pipeline == via[1:3]
    escaped = via[3]  # escapes inside the string: offsets cover the whole string
    outer = next(c for c in script.commands if c.basename == "docker" and c.via is None)
    string = outer.args[-1]
    assert not escaped.exact
    assert (escaped.start, escaped.end) == (string.start, string.end)
    assert names(script).count("id") == 1  # expanded by the outer shell, not re-parsed


def test_sh_c_recursion_is_capped() -> None:
    src = "docker login -p secret r"
    for _ in range(5):
        src = "sh -c " + shlex.quote(src)
    script = parse(src)
    assert names(script) == ["sh"] * 4  # the outer one + 3 re-parsed levels
    assert [c.via for c in script.commands] == [None, "sh -c", "sh -c", "sh -c"]


# ------------------------------------------------------- offsets, text, errors


def test_non_ascii_offsets_are_characters() -> None:
    src = 'é😀 "é$X" && echo "😀" > f\ndocker login -p \'pé😀\' r'
    script = parse(src)
    for cmd in script.commands:
        assert src[cmd.start : cmd.end] == cmd.text
        for word in cmd.argv + [r.target for r in cmd.redirects]:
            assert src[word.start : word.end] == word.raw
            for part in word.parts:
                assert src[part.start : part.end] == part.raw
    docker = only(script, "docker")
    assert docker.args[2].value == "pé😀" and docker.args[2].start == src.index("'pé")
    assert script.commands[0].name.value == "é😀"


def test_crlf_does_not_leak_into_values() -> None:
    src = 'X=1\r\necho "a" b\r\ndocker login \\\r\n -u x\r\ncat <<EOF\r\n$Y\r\nEOF\r\necho done\r\n'
    script = parse(src)
    assert script.errors == []
    assert [values(c.argv) for c in script.commands] == [
        ["echo", "a", "b"],
        ["docker", "login", "-u", "x"],
        ["cat"],
        ["echo", "done"],
    ]
    assert script.assignments[0].value.value == "1"
    assert script.commands[2].redirects[0].heredoc.parts[0].var == "Y"


def test_syntax_errors_are_reported_not_raised() -> None:
    script = parse('echo "unterminated\nif then fi )) ((\n')
    assert script.errors
    for start, end, message in script.errors:
        assert 0 <= start <= end <= len(script.text) and message


def test_pathological_inputs_do_not_crash() -> None:
    with hang_guard():
        _parse_pathological()


def _parse_pathological() -> None:
    for text in [
        "(" * 10_000 + ")" * 10_000,
        "$(" * 10_000 + ")" * 10_000,
        "echo " + '"$(echo ' * 2_000,
        "{ " * 5_000 + "a; " + "} " * 5_000,
        "echo a\x00b 'c\x00' \r\r\n",
        "cat <<EOF\n" * 500,
        "".join(chr(i) for i in range(1, 3000)),
    ]:
        script = parse(text)
        assert isinstance(script, Script)
        assert all(0 <= c.start <= c.end <= len(text) for c in script.commands)


def test_ten_thousand_lines() -> None:  # speed: bench/run.py
    text = "\n".join(
        [
            'echo -n "$CI_REGISTRY_USER:$CI_REGISTRY_PASSWORD" | base64 -w 0',
            "echo $DOCKER_AUTH_CONFIG > /kaniko/.docker/config.json",
            'mkdir -p $HOME/.docker && echo "$X" > $HOME/.docker/config.json',
            "docker login -u user -p 'hunter2' registry.example.com",
            NESTED,
        ]
    )
    text = "\n".join([text] * 2_000)
    script = parse(text)
    assert len(script.commands) == 2_000 * 10


# ------------------------------------------------------------------ properties

SHELLISH = st.lists(
    st.sampled_from(
        list("ab $(){}[]\"'\\`|&;<>-=!#\n\t\r*~:.0é😀")
        + ["<<EOF\n", "\nEOF\n", "sh -c '", "if ", "; then ", "fi", "${", "$'", "echo ", "<<'EOF'\n"]
    ),
    max_size=40,
).map("".join)


def check_offsets(text: str, script: Script) -> None:
    n = len(text)
    for cmd in script.commands:
        assert 0 <= cmd.start <= cmd.end <= n
        assert cmd.pipeline[cmd.pipeline_index] is cmd
        words = cmd.argv + [r.target for r in cmd.redirects if r.target] + [a.value for a in cmd.env if a.value]
        for word in words:
            assert 0 <= word.start <= word.end <= n
            if word.exact:
                assert text[word.start : word.end] == word.raw
                for part in word.parts:
                    assert text[part.start : part.end] == part.raw
                for i in range(len(word.template)):
                    assert 0 <= word.template_offset(i) < n
        for redirect in cmd.redirects:
            assert 0 <= redirect.start <= redirect.end <= n
            if redirect.heredoc and cmd.exact:
                doc = redirect.heredoc
                assert text[doc.body_start : doc.body_end] == doc.body
    for start, end, _ in script.errors:
        assert 0 <= start <= end <= n


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SHELLISH)
def test_parse_never_raises_and_offsets_hold(text: str) -> None:
    check_offsets(text, parse(text))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_parse_never_raises_on_arbitrary_unicode(text: str) -> None:
    check_offsets(text, parse(text))


def test_unquoted_escaped_quote_before_a_variable_keeps_the_variable() -> None:
    # tree-sitter-bash splits `\"$R` into two nodes, `…\"$` and `R…`; bash sees `$R`
    src = 'echo {\\"auths\\":{\\"$R\\":1}} > f\necho a\\$R\n'
    first, second = parse(src).commands
    (word,) = first.args
    assert word.variables == ["R"] and word.raw == '{\\"auths\\":{\\"$R\\":1}}'
    var = next(p for p in word.parts if p.kind == "variable")
    assert src[var.start : var.end] == "$R"
    assert second.args[0].variables == [] and second.args[0].value == "a$R"


def test_parses_are_memoised_by_text_within_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    from authlint.shell import parser

    text = 'echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin'
    assert parser.parse(text) is parser.parse(text)
    assert parser.parse(text + "\n") is not parser.parse(text)
    monkeypatch.setattr(parser, "_MEMO_CHARS", 400)
    for i in range(50):
        parser.parse(f"echo {i:080d}")
    assert parser._memo_size == sum(map(len, parser._MEMO)) <= 400
    assert [c.basename for c in parser.parse(text).commands] == ["echo", "docker"]


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("~/.docker/config.json", "~/.docker/config.json"),  # expanded by the shell: $HOME
        ('"~/.docker/config.json"', "./~/.docker/config.json"),  # quoted: a directory named ~
        ("'~/.docker/config.json'", "./~/.docker/config.json"),
        ('"$HOME/.docker/config.json"', "$HOME/.docker/config.json"),
    ],
)
def test_path_template_keeps_a_quoted_tilde_literal(text: str, path: str) -> None:
    (cmd,) = parse(f"cat {text}\n").commands
    assert cmd.args[0].path_template == path


@pytest.mark.parametrize(
    ("text", "alone"),
    [
        ('echo "$K" | tr -d "\\r" | ssh-add -\nmkdir -p ~/.ssh\necho "$HOSTS" >> ~/.ssh/known_hosts\n', 2),
        ("a | b | c\r\nd >> f\n", 1),
    ],
)
def test_a_pipeline_ends_at_the_newline(text: str, alone: int) -> None:
    """tree-sitter-bash reads `a | b | c\\nd >> f` as one pipeline whose last stage is `c d`."""
    script = parse(text)
    assert not script.errors
    last_stage = [c for c in script.commands if len(c.pipeline or []) == 3][-1]
    assert len(last_stage.args) <= 1
    assert sum(1 for c in script.commands if not c.pipeline or len(c.pipeline) == 1) == alone


def test_a_continued_line_stays_in_the_stage() -> None:
    script = parse("a | b | c \\\n  d >> f\n")
    assert [w.raw for w in script.commands[-1].argv] == ["c", "d"]


def test_parses_leave_no_garbage_for_the_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fleet run pauses the collector: what a parse builds, and the pipelines' scripts the
    memo evicts (their commands list each other; held within the memo's bound) once released,
    are freed by refcounting."""
    import gc
    from collections import OrderedDict, deque

    from authlint.shell import parser

    monkeypatch.setattr(parser, "_MEMO", OrderedDict())  # what earlier tests parsed stays out
    monkeypatch.setattr(parser, "_EVICTED", deque())
    monkeypatch.setattr(parser, "_memo_size", 0)
    monkeypatch.setattr(parser, "_evicted_size", 0)
    monkeypatch.setattr(parser, "_MEMO_CHARS", 600)
    gc.collect()
    gc.disable()
    try:
        for project in range(4):  # released between the projects of a fleet
            for i in range(5):
                parser.parse(f"echo {project}{i} | docker login --password-stdin\nsh -c 'printf %s \"é$X\" | base64'\n")
            assert (project == 0 or parser._EVICTED) and parser._evicted_size == sum(len(s.text) for s in parser._EVICTED) <= 600
            parser.release()
            assert not parser._EVICTED
        assert gc.collect() == 0
    finally:
        gc.enable()
