"""authlint.gitlab: includes, default:, inherit:, extends, !reference, jobs, with exact provenance."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from authlint.gitlab import Job, Pipeline, load_pipeline
from authlint.gitlab import includes as includes_mod
from authlint.source import Source
from authlint.yaml.model import YMap, YScalar, load
from support.bounded import hang_guard
from support.corpus import CORPUS, require_corpus
from support.files import write

OMNIBUS = "real-world/dockerimages__https-gitlab.com-gitlab-org-omnibus-gitlab__gitlab-ci-config__dev-gitlab-org.yml"


def project(tmp_path: Path, files: dict[str, str | bytes], root: str = ".gitlab-ci.yml") -> Pipeline:
    write(tmp_path, {name: text if isinstance(text, bytes) else textwrap.dedent(text) for name, text in files.items()})
    return load_pipeline(root, reader(tmp_path), str(tmp_path))


def reader(base: Path):
    def read(path: str) -> Source:
        return Source.from_bytes(path, (base / path).read_bytes())

    return read


def lines(job: Job, section: str | None = None) -> list[str]:
    return [line.scalar.value for line in job.lines if section in (None, line.section)]


def at(scalar: YScalar) -> tuple[str, str]:
    """(file, exact source text) of a scalar: what a finding would point at."""
    return scalar.source.path, scalar.source.text[scalar.start : scalar.end]


def codes(pipeline: Pipeline) -> list[str]:
    return [p.code for p in pipeline.problems]


def problem_text(pipeline: Pipeline, index: int = 0) -> str:
    p = pipeline.problems[index]
    return pipeline.files[p.path].source.text[p.span.start : p.span.end]


# -- provenance -------------------------------------------------------------------------------


def test_script_line_provenance_through_include_extends_and_reference(tmp_path: Path) -> None:
    p = project(tmp_path, {
        ".gitlab-ci.yml": """\
            include: ci/templates.yml
            build:
              extends: .docker
              before_script:
                - !reference [.auth, script]
              script:
                - docker push "$IMAGE"
            """,
        "ci/templates.yml": """\
            .docker:
              image: docker:27
              script: [docker build .]
              after_script:
                - echo "done"
            .auth:
              script:
                - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin
            """,
    })
    assert p.problems == []
    job = p.jobs["build"]
    assert [(l.section, l.index, l.via_reference) for l in job.lines] == [
        ("before_script", 0, True), ("script", 0, False), ("after_script", 0, False)]
    before, script, after = job.lines
    text = (tmp_path / "ci/templates.yml").read_text()
    assert at(before.scalar) == ("ci/templates.yml", 'echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin')
    assert before.scalar.start == text.index('echo "$CI_REGISTRY_PASSWORD"')
    assert at(script.scalar) == (".gitlab-ci.yml", 'docker push "$IMAGE"')
    assert at(after.scalar) == ("ci/templates.yml", 'echo "done"')
    assert at(job.image.name) == ("ci/templates.yml", "docker:27")
    assert job.path == ".gitlab-ci.yml" and at(job.key) == (".gitlab-ci.yml", "build")
    assert job.extends == [".docker"]


def test_config_is_synthetic_with_original_leaves(tmp_path: Path) -> None:
    p = project(tmp_path, {".gitlab-ci.yml": """\
        .base:
          variables: {A: a}
          script: [[echo one], echo two]
        job:
          extends: .base
          variables: {B: b}
        """})
    job = p.jobs["job"]
    config = job.config
    assert isinstance(config, YMap)
    assert "extends" not in config
    assert config.keys() == ["variables", "script"]
    assert [s.value for s in config.get("script").items] == ["echo one", "echo two"]  # flattened
    assert config.get("script").items[0] is job.script[0].scalar
    assert config.get("variables").keys() == ["A", "B"]
    assert at(config.get("variables").get("A")) == (".gitlab-ci.yml", "a")


def test_crlf_bom_non_ascii_offsets(tmp_path: Path) -> None:
    data = "\ufeffjob:\r\n  variables:\r\n    GRÜSSE: \"hé\"\r\n  script:\r\n    - echo \"ünï 🐳\"\r\n    - |\r\n      echo a\r\n      echo b\r\n"
    p = project(tmp_path, {".gitlab-ci.yml": data.encode("utf-8")})
    job = p.jobs["job"]
    src = p.files[".gitlab-ci.yml"].source
    assert src.bom
    first, block = job.script
    assert at(first.scalar) == (".gitlab-ci.yml", 'echo "ünï 🐳"')
    assert first.scalar.start == src.text.index("echo")
    assert block.scalar.value == "echo a\necho b\n"
    assert src.text[block.scalar.text.offset(7) :].startswith("echo b")
    assert at(job.variables["GRÜSSE"].value) == (".gitlab-ci.yml", '"hé"')


# -- includes ---------------------------------------------------------------------------------


def test_include_forms(tmp_path: Path) -> None:
    p = project(tmp_path, {
        ".gitlab-ci.yml": """\
            include:
              - ci/a.yml
              - local: /ci/b.yml
              - local: ci/c.yml
                rules: [{if: $NEVER}]
              - local: 'ci/glob/*.yml'
            root: {script: echo root}
            """,
        "ci/a.yml": "a: {script: echo a}\n",
        "ci/b.yml": "include: {local: ci/nested.yml}\nb: {script: echo b}\n",
        "ci/nested.yml": "nested: {script: echo nested}\n",
        "ci/c.yml": "c: {script: echo c}\n",
        "ci/glob/x.yml": "x: {script: echo x}\n",
        "ci/glob/y.yaml": "y: {script: echo y}\n",
        "ci/glob/sub/z.yml": "z: {script: echo z}\n",
    })
    assert p.problems == []
    assert list(p.jobs) == ["a", "nested", "b", "c", "x", "root"]
    assert [(i.path, i.kind, i.target, i.resolved) for i in p.includes] == [
        (".gitlab-ci.yml", "local", "ci/a.yml", ["ci/a.yml"]),
        (".gitlab-ci.yml", "local", "/ci/b.yml", ["ci/b.yml"]),
        ("ci/b.yml", "local", "ci/nested.yml", ["ci/nested.yml"]),
        (".gitlab-ci.yml", "local", "ci/c.yml", ["ci/c.yml"]),
        (".gitlab-ci.yml", "local", "ci/glob/*.yml", ["ci/glob/x.yml"]),
    ]
    assert set(p.files) == {".gitlab-ci.yml", "ci/a.yml", "ci/b.yml", "ci/nested.yml", "ci/c.yml", "ci/glob/x.yml"}
    assert p.jobs["nested"].path == "ci/nested.yml"


def test_include_string_and_mapping_forms(tmp_path: Path) -> None:
    p = project(tmp_path, {".gitlab-ci.yml": "include: ci/a.yml\n", "ci/a.yml": "a: {script: echo a}\n"})
    assert list(p.jobs) == ["a"]
    p = project(tmp_path, {".gitlab-ci.yml": "include: {local: ci/a.yml}\n"})
    assert list(p.jobs) == ["a"]


def test_double_star_glob_follows_gitlab(tmp_path: Path) -> None:
    p = project(tmp_path, {
        ".gitlab-ci.yml": "include: ['t/**/*.yml', 'u/**.yml']\n",
        "t/top.yml": "top: {script: x}\n",
        "t/a/one.yml": "one: {script: x}\n",
        "t/a/b/two.yml": "two: {script: x}\n",
        "u/three.yml": "three: {script: x}\n",
        "u/c/four.yml": "four: {script: x}\n",
    })
    # `**/` needs at least one folder; `**` alone crosses folders (Repository#search_files_by_wildcard_path).
    assert sorted(p.jobs) == ["four", "one", "three", "two"]


def test_including_file_wins_and_mappings_deep_merge(tmp_path: Path) -> None:
    p = project(tmp_path, {
        ".gitlab-ci.yml": """\
            include: ci/base.yml
            variables: {A: root}
            job:
              variables: {X: root}
              script: [echo root]
            """,
        "ci/base.yml": """\
            variables: {A: base, B: base}
            job:
              image: alpine
              variables: {X: base, Y: base}
              script: [echo base-1, echo base-2]
            """,
    })
    job = p.jobs["job"]
    assert lines(job) == ["echo root"]  # lists are replaced
    assert {k: v.value.value for k, v in job.variables.items()} == {"A": "root", "B": "base", "X": "root", "Y": "base"}
    assert job.variables["B"].value.source.path == "ci/base.yml"
    assert job.image.name.value == "alpine"
    assert job.path == ".gitlab-ci.yml"


def test_include_cycle_reported_once(tmp_path: Path) -> None:
    p = project(tmp_path, {
        ".gitlab-ci.yml": "include: ci/a.yml\nroot: {script: r}\n",
        "ci/a.yml": "include: ci/b.yml\na: {script: a}\n",
        "ci/b.yml": "include: [ci/a.yml, .gitlab-ci.yml]\nb: {script: b}\n",
    })
    assert codes(p) == ["AL002", "AL002"]
    assert [m.message for m in p.problems] == [
        "include cycle: ci/a.yml -> ci/b.yml -> ci/a.yml",
        "include cycle: .gitlab-ci.yml -> ci/a.yml -> ci/b.yml -> .gitlab-ci.yml",
    ]
    assert p.problems[0].path == "ci/b.yml" and problem_text(p) == "ci/a.yml"
    assert sorted(p.jobs) == ["a", "b", "root"]


def test_self_include(tmp_path: Path) -> None:
    p = project(tmp_path, {".gitlab-ci.yml": "include: .gitlab-ci.yml\njob: {script: x}\n"})
    assert codes(p) == ["AL002"] and list(p.jobs) == ["job"]


def test_duplicate_include_is_merged_without_problem(tmp_path: Path) -> None:
    p = project(tmp_path, {
        ".gitlab-ci.yml": "include: [ci/a.yml, ci/b.yml, ci/a.yml]\n",
        "ci/a.yml": "job: {script: from-a}\n",
        "ci/b.yml": "job: {script: from-b}\n",
    })
    assert p.problems == []
    assert lines(p.jobs["job"]) == ["from-a"]  # merged again at its last position, as GitLab does


def test_missing_local_include(tmp_path: Path) -> None:
    p = project(tmp_path, {".gitlab-ci.yml": "include:\n  - local: ci/missing.yml\njob: {script: x}\n"})
    assert codes(p) == ["AL002"]
    assert problem_text(p) == "ci/missing.yml"
    assert p.problems[0].message == "included file ci/missing.yml does not exist"
    assert p.includes[0].resolved == []
    assert p.incomplete and p.jobs["job"].incomplete


@pytest.mark.parametrize("entry, kind", [
    ("remote: https://example.com/ci.yml", "remote"),
    ("https://example.com/ci.yml", "remote"),
    ("project: group/ci\n    file: /templates/docker.yml", "project"),
    ("template: Docker.gitlab-ci.yml", "template"),
    ("component: gitlab.com/group/comp/docker@1.0", "component"),
])
def test_unfetched_includes_make_jobs_incomplete(tmp_path: Path, entry: str, kind: str) -> None:
    p = project(tmp_path, {".gitlab-ci.yml": f"include:\n  - {entry}\njob: {{script: x}}\n"})
    assert codes(p) == ["AL002"]
    assert [i.kind for i in p.includes] == [kind]
    assert p.includes[0].resolved == []
    assert problem_text(p) == entry  # the whole entry, without its trailing line break
    assert p.jobs["job"].incomplete


def test_include_with_variables_or_no_match(tmp_path: Path) -> None:
    p = project(tmp_path, {".gitlab-ci.yml": "include: ['$CI_DIR/a.yml', 'none/*.yml', {foo: bar}]\njob: {script: x}\n"})
    assert codes(p) == ["AL002"] * 3
    assert [i.kind for i in p.includes] == ["local", "local", "unknown"]
    assert p.jobs["job"].incomplete


def test_include_limit(tmp_path: Path) -> None:
    files = {".gitlab-ci.yml": "include:\n" + "".join(f"  - ci/f{i}.yml\n" for i in range(160))}
    files.update({f"ci/f{i}.yml": f"job{i}: {{script: x}}\n" for i in range(160)})
    p = project(tmp_path, files)
    assert codes(p) == ["AL002"]
    assert "150" in p.problems[0].message
    assert len(p.jobs) == 150


def test_unparsable_included_file(tmp_path: Path) -> None:
    p = project(tmp_path, {".gitlab-ci.yml": "include: ci/bad.yml\njob: {script: x}\n", "ci/bad.yml": "a: [\n"})
    assert codes(p) == ["AL001"]
    assert p.problems[0].path == "ci/bad.yml"
    assert "ci/bad.yml" not in p.files and p.sources["ci/bad.yml"].text == "a: [\n"
    assert p.jobs["job"].incomplete


# -- root failures ----------------------------------------------------------------------------


def test_root_failures_never_raise(tmp_path: Path) -> None:
    p = load_pipeline("missing.yml", reader(tmp_path), str(tmp_path))
    assert codes(p) == ["AL001"] and p.jobs == {}
    p = project(tmp_path, {".gitlab-ci.yml": "job:\n  script: [\n"})
    assert codes(p) == ["AL001"] and p.problems[0].span.start > 0
    p = project(tmp_path, {".gitlab-ci.yml": b"\x00\x01binary"})
    assert codes(p) == ["AL001"]
    p = project(tmp_path, {".gitlab-ci.yml": "- a\n- b\n"})
    assert codes(p) == ["AL001"]
    p = project(tmp_path, {".gitlab-ci.yml": ""})
    assert p.problems == [] and p.jobs == {}


# -- default: and inherit: --------------------------------------------------------------------


def test_default_and_inherit(tmp_path: Path) -> None:
    p = project(tmp_path, {".gitlab-ci.yml": """\
        variables: {G1: g1, G2: g2}
        default:
          image: alpine
          before_script: [echo default]
          tags: [docker]
        all: {script: a}
        own: {before_script: [echo own], script: b}
        none:
          inherit: {default: false, variables: false}
          script: c
        some:
          inherit: {default: [image], variables: [G2]}
          script: d
        nulled: {image: null, script: e}
        .hidden: {script: f}
        """})
    jobs = p.jobs
    assert lines(jobs["all"]) == ["echo default", "a"]
    assert jobs["all"].config.get("tags").items[0].value == "docker"
    assert lines(jobs["own"]) == ["echo own", "b"]
    assert lines(jobs["none"]) == ["c"] and jobs["none"].image is None and jobs["none"].variables == {}
    assert lines(jobs["some"]) == ["d"] and jobs["some"].image.name.value == "alpine"
    assert list(jobs["some"].variables) == ["G2"]
    assert jobs["nulled"].image.name.value == "alpine"  # null counts as unset
    assert lines(jobs[".hidden"]) == ["f"] and jobs[".hidden"].hidden  # default: is never applied to templates
    assert at(jobs["all"].before_script[0].scalar)[1] == "echo default"
    assert p.default.keys() == ["image", "before_script", "tags"]


def test_legacy_globals_act_as_default(tmp_path: Path) -> None:
    p = project(tmp_path, {".gitlab-ci.yml": """\
        image: ruby:3
        services: [postgres:16]
        before_script: [echo before]
        after_script: [echo after]
        test: {script: rake}
        """})
    assert list(p.jobs) == ["test"]
    job = p.jobs["test"]
    assert lines(job) == ["echo before", "rake", "echo after"]
    assert job.image.name.value == "ruby:3" and [s.name.value for s in job.services] == ["postgres:16"]


def test_pages_is_a_job(tmp_path: Path) -> None:
    p = project(tmp_path, {".gitlab-ci.yml": "pages: {script: build, artifacts: {paths: [public]}}\n"})
    assert list(p.jobs) == ["pages"]
    assert p.jobs["pages"].artifacts.get("paths").items[0].value == "public"


# -- extends ----------------------------------------------------------------------------------


def test_extends_multi_parent_deep_merge(tmp_path: Path) -> None:
    p = project(tmp_path, {".gitlab-ci.yml": """\
        .a0: {variables: {A0: a0, X: a0}}
        .a:
          extends: .a0
          image: a
          variables: {X: a, Y: a}
          script: [echo a1, echo a2]
        .b:
          image: b
          variables: {Y: b}
        job:
          extends: [.a, .b]
          variables: {Z: job}
        """})
    job = p.jobs["job"]
    assert job.extends == [".a0", ".a", ".b"]
    assert job.image.name.value == "b"
    assert {k: v.value.value for k, v in job.variables.items()} == {"A0": "a0", "X": "a", "Y": "b", "Z": "job"}
    assert lines(job) == ["echo a1", "echo a2"]


def test_extends_cycle(tmp_path: Path) -> None:
    p = project(tmp_path, {".gitlab-ci.yml": """\
        a: {extends: b, script: a}
        b: {extends: c}
        c: {extends: a}
        self: {extends: self, script: s}
        ok: {script: ok}
        """})
    assert codes(p) == ["AL002", "AL002"]
    assert [m.message for m in p.problems] == ["c: circular extends through 'a'", "self: circular extends through 'self'"]
    assert all(p.jobs[n].incomplete for n in "abc") and p.jobs["self"].incomplete
    assert not p.jobs["ok"].incomplete
    assert lines(p.jobs["a"]) == ["a"]


def test_extends_unknown_and_bad_shape(tmp_path: Path) -> None:
    p = project(tmp_path, {".gitlab-ci.yml": """\
        job: {extends: [.missing, .ok], script: x}
        .ok: {image: alpine}
        bad: {extends: {a: b}, script: y}
        other: {script: z}
        """})
    assert codes(p) == ["AL002", "AL001"]
    assert problem_text(p) == ".missing"
    assert p.jobs["job"].incomplete and p.jobs["job"].image.name.value == "alpine"
    assert p.jobs["bad"].incomplete and not p.jobs["other"].incomplete


@pytest.mark.parametrize("ancestors, ok", [(10, True), (11, False)])
def test_extends_depth_limit(tmp_path: Path, ancestors: int, ok: bool) -> None:
    text = ".t0: {script: t0}\n" + "".join(f".t{i}: {{extends: .t{i - 1}}}\n" for i in range(1, ancestors))
    text += f"job: {{extends: .t{ancestors - 1}}}\n"
    p = project(tmp_path, {".gitlab-ci.yml": text})
    assert (p.problems == []) is ok
    assert p.jobs["job"].incomplete is not ok
    assert lines(p.jobs["job"]) == ["t0"]
    assert len(p.jobs["job"].extends) == ancestors


def test_long_extends_chain_does_not_recurse_deeply(tmp_path: Path) -> None:
    text = ".t0: {script: t0}\n" + "".join(f".t{i}: {{extends: .t{i - 1}}}\n" for i in range(1, 2000))
    p = project(tmp_path, {".gitlab-ci.yml": text})
    assert codes(p) == ["AL002"]
    assert p.jobs[".t1999"].incomplete


# -- !reference -------------------------------------------------------------------------------


def test_reference_nested_spliced_and_in_variables(tmp_path: Path) -> None:
    p = project(tmp_path, {
        ".gitlab-ci.yml": """\
            include: ci/snippets.yml
            .setup:
              before_script:
                - echo setup
                - !reference [.login, script]
            job:
              variables:
                REG: !reference [.vars, variables, REGISTRY]
                OWN: own
              before_script:
                - !reference [.setup, before_script]
                - echo after-setup
              script: !reference [.login, script]
            """,
        "ci/snippets.yml": """\
            .vars:
              variables: {REGISTRY: registry.example.com}
            .login:
              script:
                - docker login "$REG"
            """,
    })
    assert p.problems == []
    job = p.jobs["job"]
    assert [(l.section, l.scalar.value, l.via_reference, l.scalar.source.path) for l in job.lines] == [
        ("before_script", "echo setup", True, ".gitlab-ci.yml"),
        ("before_script", 'docker login "$REG"', True, "ci/snippets.yml"),
        ("before_script", "echo after-setup", False, ".gitlab-ci.yml"),
        ("script", 'docker login "$REG"', True, "ci/snippets.yml"),
    ]
    assert at(job.variables["REG"].value) == ("ci/snippets.yml", "registry.example.com")
    assert job.variables["REG"].level == "job"


def test_reference_whole_variables_and_job(tmp_path: Path) -> None:
    p = project(tmp_path, {".gitlab-ci.yml": """\
        .vars: {variables: {A: a}}
        .tpl:
          extends: .base
          script: [echo tpl]
        .base: {image: alpine}
        job:
          variables: !reference [.vars, variables]
          script: x
        copy: !reference [.tpl]
        """})
    assert p.problems == []
    assert list(p.jobs["job"].variables) == ["A"]
    copy = p.jobs["copy"]
    assert lines(copy) == ["echo tpl"] and copy.image.name.value == "alpine"
    assert copy.path == ".gitlab-ci.yml" and copy.key.value == "copy"


def test_reference_sees_extends_not_default(tmp_path: Path) -> None:
    p = project(tmp_path, {".gitlab-ci.yml": """\
        default: {before_script: [echo default]}
        .parent: {before_script: [echo parent]}
        .child: {extends: .parent}
        other: {script: x}
        job:
          script:
            - !reference [.child, before_script]
        missing:
          script:
            - !reference [other, before_script]
        """})
    assert lines(p.jobs["job"], "script") == ["echo parent"]
    assert codes(p) == ["AL002"]  # other's before_script comes from default:, which references never see
    assert "is undefined" in p.problems[0].message and p.jobs["missing"].incomplete


def test_reference_unresolved_circular_and_too_deep(tmp_path: Path) -> None:
    text = textwrap.dedent("""\
        .loop: {script: [!reference [.loop, script]]}
        .a: {script: [!reference [.b, script]]}
        .b: {script: [!reference [.a, script]]}
        unresolved:
          script: [echo ok, !reference [.nothing, script]]
          image: !reference [.nothing, image]
        circular: {script: [!reference [.a, script]]}
        """)
    text += ".r0: {script: [echo r0]}\n" + "".join(f".r{i}: {{script: [!reference [.r{i - 1}, script]]}}\n" for i in range(1, 12))
    text += "deep: {script: [!reference [.r11, script]]}\nshallow: {script: [!reference [.r8, script]]}\n"
    p = project(tmp_path, {".gitlab-ci.yml": text})
    messages = [m.message for m in p.problems]
    assert [m.code for m in p.problems].count("AL002") == 5
    assert "script nests lists deeper than 10 levels" in messages  # each reference level is a list level too
    assert "!reference [.loop, script] is circular" in messages
    assert "!reference [.nothing, script] is undefined" in messages
    assert "!reference [.nothing, image] is undefined" in messages
    assert any("references nested deeper than 10" in m for m in messages)
    assert lines(p.jobs["unresolved"]) == ["echo ok"] and p.jobs["unresolved"].incomplete
    assert p.jobs["unresolved"].image is None
    assert p.jobs["circular"].incomplete
    assert p.jobs["deep"].incomplete
    assert lines(p.jobs["shallow"]) == ["echo r0"] and not p.jobs["shallow"].incomplete


# -- anchors and merge keys -------------------------------------------------------------------


def test_anchors_and_two_merge_keys(tmp_path: Path) -> None:
    p = project(tmp_path, {".gitlab-ci.yml": """\
        .a: &a
          image: a
          variables: {FROM: a}
          script: [echo a]
        .b: &b
          image: b
          after_script: [echo b-after]
        job:
          <<: *a
          <<: *b
          variables: {OWN: own}
        """})
    job = p.jobs["job"]
    assert job.image.name.value == "b"  # Psych applies each `<<` where it stands: the later one wins
    assert lines(job) == ["echo a", "echo b-after"]
    assert list(job.variables) == ["OWN"]
    src = p.files[".gitlab-ci.yml"].source.text
    assert job.script[0].scalar.start == src.index("echo a")  # points at the anchor's text


# -- hidden jobs, shapes ----------------------------------------------------------------------


def test_hidden_keys_never_produce_shape_problems(tmp_path: Path) -> None:
    p = project(tmp_path, {".gitlab-ci.yml": """\
        .list: &list [echo a]
        .scalar: text
        .template: {script: true, image: [a, b], variables: [x]}
        job: {script: *list}
        """})
    assert p.problems == []
    assert sorted(p.jobs) == [".template", "job"]
    assert p.jobs[".template"].hidden and not p.jobs["job"].hidden
    assert lines(p.jobs["job"]) == ["echo a"]


def test_bad_shapes_are_problems_not_crashes(tmp_path: Path) -> None:
    p = project(tmp_path, {".gitlab-ci.yml": """\
        listjob: [a, b]
        nulljob:
        bool-script: {script: true}
        items: {script: [echo ok, 1, null, {a: b}, [true]]}
        null-image: {image: null, script: x}
        list-image: {image: [a, b], script: x}
        nameless: {image: {entrypoint: [""]}, script: x}
        bad-vars: {variables: [A, B], script: x}
        bad-var: {variables: {A: [1, 2]}, script: x}
        bad-services: {services: docker:dind, script: x}
        bad-cache: {cache: [1], script: x}
        """})
    assert set(codes(p)) == {"AL001"}
    jobs = p.jobs
    assert "listjob" not in jobs and "nulljob" not in jobs
    assert lines(jobs["bool-script"]) == []
    assert lines(jobs["items"]) == ["echo ok"]
    assert jobs["null-image"].image is None and jobs["list-image"].image is None
    assert jobs["nameless"].image.name is None
    assert jobs["bad-vars"].variables == {}
    assert jobs["bad-var"].variables["A"].value is None
    assert jobs["bad-services"].services == [] and jobs["bad-cache"].cache == []
    messages = " | ".join(m.message for m in p.problems)
    for fragment in ("'listjob' should be a mapping", "script items should be strings, not bool",
                     "not int", "not null", "not mapping", "image should be", "image needs a name",
                     "variables should be a mapping", "variable A should be", "services should be a list", "cache"):
        assert fragment in messages


def test_corpus_negative_script_file(tmp_path: Path) -> None:
    require_corpus()
    name = "gitlab-schema-tests/negative/gitlabhq__gitlabhq__spec__frontend__editor__schema__ci__yaml_tests__negative_tests__script.yml"
    p = load_pipeline(name, reader(CORPUS), str(CORPUS))
    messages = [m.message for m in p.problems]
    assert "job 'script' should be a mapping" in messages  # a top-level `script:` is a job named script
    assert "before_script items should be strings, not float" in messages


def test_script_nesting_and_string_forms(tmp_path: Path) -> None:
    deep = "[" * 10 + "echo ten" + "]" * 10
    deeper = "[" * 11 + "echo eleven" + "]" * 11
    p = project(tmp_path, {".gitlab-ci.yml": f"""\
        string: {{script: echo one, after_script: echo two}}
        ten: {{script: {deep}}}
        eleven: {{script: {deeper}}}
        """})
    assert lines(p.jobs["string"]) == ["echo one", "echo two"]
    assert lines(p.jobs["ten"]) == ["echo ten"]
    assert lines(p.jobs["eleven"]) == []
    assert codes(p) == ["AL001"] and "deeper than 10" in p.problems[0].message


def test_alias_bomb_is_bounded(tmp_path: Path) -> None:
    text = ".a: &a [echo x, echo y, echo z, echo w, echo v, echo u, echo t, echo s, echo r, echo q]\n"
    for i, (name, prev) in enumerate(zip("bcdefgh", "abcdefg")):
        text += f".{name}: &{name} [{', '.join(['*' + prev] * 10)}]\n"
    text += "job: {script: *h, variables: {A: a}}\n"
    text += ".m1: &m1 {k1: *h, k2: *h}\n.m2: &m2 {k1: *m1, k2: *m1}\nj2: {extends: .m2x, script: x}\n.m2x: {k: *m2}\n"
    with hang_guard():
        p = project(tmp_path, {".gitlab-ci.yml": text})
    assert "too large" in p.problems[0].message
    assert len(p.jobs["job"].script) == 10_000


# -- variables and matrix ---------------------------------------------------------------------


def test_variable_forms_and_levels(tmp_path: Path) -> None:
    p = project(tmp_path, {".gitlab-ci.yml": """\
        variables:
          PLAIN: plain
          NUM: 42
          BOOL: true
          NULL:
          DESCRIBED: {value: v, description: d}
          RAW: {value: "a$b", expand: false}
          CHOICE: {value: one, options: [one, two]}
        job:
          variables: {JOB: j, NUM: 7}
          script: x
        trigger-job:
          variables: {DOWN: d}
          trigger: {include: child.yml, forward: {yaml_variables: true}}
        """})
    glob = p.variables
    assert {k: (v.value.value, v.level, v.expand) for k, v in glob.items() if v.value} == {
        "PLAIN": ("plain", "global", True), "NUM": ("42", "global", True), "BOOL": ("true", "global", True),
        "NULL": ("", "global", True), "DESCRIBED": ("v", "global", True), "RAW": ("a$b", "global", False),
        "CHOICE": ("one", "global", True)}
    assert glob["NULL"].value.is_null
    assert glob["DESCRIBED"].mapping is not None and glob["PLAIN"].mapping is None
    assert at(glob["RAW"].value) == (".gitlab-ci.yml", '"a$b"') and at(glob["RAW"].key)[1] == "RAW"
    job = p.jobs["job"]
    assert job.variables["NUM"].value.value == "7" and job.variables["NUM"].level == "job"
    assert job.variables["PLAIN"].level == "global"
    trig = p.jobs["trigger-job"]
    assert trig.variables["DOWN"].level == "trigger" and trig.trigger is not None


def test_matrix(tmp_path: Path) -> None:
    p = project(tmp_path, {".gitlab-ci.yml": """\
        build:
          parallel:
            matrix:
              - ARCH: [amd64, arm64]
                OS: linux
              - ARCH: riscv
          script: x
        plain: {parallel: 3, script: y}
        """})
    combos = p.jobs["build"].matrix
    assert [{k: v.value.value for k, v in c.items()} for c in combos] == [
        {"ARCH": "amd64", "OS": "linux"}, {"ARCH": "arm64", "OS": "linux"}, {"ARCH": "riscv"}]
    assert all(v.level == "matrix" for c in combos for v in c.values())
    assert at(combos[1]["ARCH"].value) == (".gitlab-ci.yml", "arm64")
    assert p.jobs["plain"].matrix == []


def test_images_services_cache_artifacts(tmp_path: Path) -> None:
    p = project(tmp_path, {".gitlab-ci.yml": """\
        job:
          image: {name: kaniko:debug, entrypoint: [""], pull_policy: always}
          services: [docker:27-dind, {name: postgres, alias: db}]
          cache: [{key: a, paths: [x]}, {key: b, paths: [y]}]
          artifacts: {paths: [out]}
          script: x
        one-cache: {cache: {key: c}, script: y}
        """})
    job = p.jobs["job"]
    assert job.image.name.value == "kaniko:debug"
    assert [s.value for s in job.image.entrypoint.items] == [""] and job.image.pull_policy.value == "always"
    assert [s.name.value for s in job.services] == ["docker:27-dind", "postgres"]
    assert isinstance(job.services[0].value, YScalar) and isinstance(job.services[1].value, YMap)
    assert [c.get("key").value for c in job.cache] == ["a", "b"]
    assert job.artifacts.get("paths").items[0].value == "out"
    assert [c.get("key").value for c in p.jobs["one-cache"].cache] == ["c"]


# -- corpus and speed -------------------------------------------------------------------------


def _corpus_files() -> list[str]:
    files = sorted(CORPUS.glob("real-world/*.yml")) + sorted(CORPUS.glob("gitlab-schema-tests/**/*.yml"))
    return [f.relative_to(CORPUS).as_posix() for f in files]


CORPUS_FILES = _corpus_files() if CORPUS.is_dir() else []


def test_corpus_is_there() -> None:
    require_corpus()  # fails under AUTHLINT_REQUIRE_E2E=1 instead of letting the tests below go empty
    assert len(CORPUS_FILES) > 150


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_file_loads_without_exceptions(name: str) -> None:
    p = load_pipeline(name, reader(CORPUS), str(CORPUS))
    assert name in p.files or p.problems
    for problem in p.problems:
        assert problem.code in ("AL001", "AL002")
        assert 0 <= problem.span.start <= problem.span.end
    for job in p.jobs.values():
        assert isinstance(job.config, YMap)
        for line in job.lines:
            assert line.scalar.source.text[line.scalar.start : line.scalar.end]


def test_omnibus_resolves() -> None:
    require_corpus()
    # Speed is measured by bench/run.py, not asserted here.
    p = load_pipeline(OMNIBUS, reader(CORPUS), str(CORPUS))
    assert len(p.jobs) > 100 and sum(len(j.lines) for j in p.jobs.values()) > 300


def test_plain_files_and_clean_values_skip_resolving_with_the_same_jobs(tmp_path: Path) -> None:
    """A pipeline whose files hold no `!reference` and no `<<` (YamlFile.plain) takes each
    value as its own resolution, and so does any pipeline for a collection with neither at any
    depth (YamlFile.clean): the jobs, global variables, default and problems are those resolving
    builds, on the corpus and on the benchmark's generated projects."""
    import importlib.util

    from authlint.gitlab import build_jobs
    from support.incremental import jobs_shape

    spec = importlib.util.spec_from_file_location("gen_projects", Path(__file__).resolve().parents[1] / "bench" / "gen_projects.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)  # type: ignore[union-attr]
    gen.generate(tmp_path, 60)
    roots = [(tmp_path / p.parent.name, ".gitlab-ci.yml") for p in sorted(tmp_path.glob("*/.gitlab-ci.yml"))]
    roots += [(require_corpus(), name) for name in CORPUS_FILES]
    plain = soiled = 0
    for base, root in roots:
        shortcut = load_pipeline(root, reader(base), str(base))
        resolved = load_pipeline(root, reader(base), str(base), build=False)
        plain += all(f.plain for f in resolved.files.values())
        for yf in resolved.files.values():
            soiled += not yf.plain and yf.clean is not None
            yf.plain, yf.clean = False, None
        build_jobs(resolved)
        assert jobs_shape(shortcut) == jobs_shape(resolved), root
        assert [(p.code, p.path, p.span, p.message) for p in shortcut.problems] == [
            (p.code, p.path, p.span, p.message) for p in resolved.problems], root
    assert plain >= 50 and soiled >= 50, (plain, soiled)


def test_clean_collections_hold_no_merge_and_no_reference() -> None:
    """YamlFile.clean: a `<<` or a `!reference` soils the collections around it, and an alias of
    a soiled value soils those around the alias."""
    text = textwrap.dedent("""\
        .base: &base {a: 1}
        .tpl: &tpl
          <<: *base
          b: [2]
        job:
          nested: {deeper: *tpl}
          list: [x, {y: 1}]
        refs:
          r: [!reference [.tpl, b]]
        other:
          plain: {c: *base}
        """)
    yf = load(Source("ci.yml", text))
    root = yf.root
    assert isinstance(root, YMap) and yf.clean is not None
    job, refs, other = root.get("job"), root.get("refs"), root.get("other")
    clean = [root.get(".base"), root.get(".tpl").get("b"), job.get("list"), job.get("list").items[1], other,
             other.get("plain")]  # fmt: skip
    soiled = [root, root.get(".tpl"), job, job.get("nested"), refs, refs.get("r"), refs.get("r").items[0]]
    assert all(value in yf.clean for value in clean) and not any(value in yf.clean for value in soiled)


SCRIPT_SHAPES = """\
.t: {script: [echo t]}
a: {script: echo a}
b: {script: [echo b, 'q', "d"]}
c: {script: [1, true, ~, echo c]}
d: {script: [[echo d1, [echo d2]], echo d3]}
e: {script: [!reference [.t, script], echo e]}
f: {script: !!null "x"}
g: {script: "null", before_script: !!str 12, after_script: []}
h: {script: {k: v}}
i: {script: !reference [.t, script]}
j: {script: [!custom x, !!str on, !!int "3"]}
"""


def test_simple_script_sections_read_as_the_walk_reads_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """jobs.script takes a list of strings (or one string) as it stands: the lines and shape
    problems the general walk gives, on the corpus, generated projects and odd shapes."""
    import importlib.util

    from authlint.gitlab import jobs as J
    from authlint.gitlab import values

    spec = importlib.util.spec_from_file_location("gen_projects", Path(__file__).resolve().parents[1] / "bench" / "gen_projects.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)  # type: ignore[union-attr]
    gen.generate(tmp_path / "gen", 40)
    longest = ", ".join(["x"] * J.MAX_SCRIPT_LINES)
    write(tmp_path / "odd", {".gitlab-ci.yml": SCRIPT_SHAPES + f"k: {{script: [{longest}]}}\nl: {{script: [{longest}, y]}}\n"})
    roots = [(p.parent, ".gitlab-ci.yml") for p in sorted(tmp_path.glob("*/*/.gitlab-ci.yml"))] + [(tmp_path / "odd", ".gitlab-ci.yml")]
    roots += [(require_corpus(), name) for name in CORPUS_FILES]
    script, sections = J.script, []

    def both(section, value, deref, shape):
        fast_shapes: list = []
        walk_shapes: list = []
        fast = script(section, value, deref, lambda n, m: fast_shapes.append((n, m)))
        walked = J._walk(section, value, deref, lambda n, m: walk_shapes.append((n, m))) if not values.is_null(value) else J.Flattened()
        assert [(x.section, x.index, id(x.scalar), x.via_reference) for x in fast.lines] == [
            (x.section, x.index, id(x.scalar), x.via_reference) for x in walked.lines]
        assert (fast.incomplete, [(id(n), m) for n, m in fast_shapes]) == (walked.incomplete, [(id(n), m) for n, m in walk_shapes])
        assert fast.scalars == [x.scalar for x in fast.lines]  # known_scalars, where the fast path keeps them
        sections.append(len(fast.lines))
        for node, message in fast_shapes:
            shape(node, message)
        return fast

    monkeypatch.setattr(J, "script", both)
    for base, root in roots:
        load_pipeline(root, reader(base), str(base))
    assert len(sections) > 1000 and sum(sections) > 3000


def _built(value) -> object:
    """A job value, attribute for attribute."""
    from authlint.yaml.model import YSeq

    if value is None:
        return None
    where = (type(value).__name__, value.tag, value.start, value.end, value.source.path)
    if isinstance(value, YScalar):
        return (*where, value.value, value.style)
    where = (*where, value.flow)
    if isinstance(value, YSeq):
        return (*where, [_built(i) for i in value.items])
    return (*where, [(_built(k), _built(v)) for k, v in value.entries], [_built(m) for m in value.merges],
            list(value.order), list(value._lookup))


FLAT_CASES = [
    "a:\n  script:\n    - echo a\n    - echo b\n  before_script: [x, y]\n",
    "a:\n  script: !custom\n    - echo a\n",
    "a: !custom\n  script:\n    - echo a\n",
    "a: {script: [echo a]}\n",
    "a:\n  script:\n    - echo a\n  script:\n    - echo b\n",
    ".t: &t {image: x}\na:\n  <<: *t\n  script:\n    - echo a\n",
    "a:\n  <<: []\n  script:\n    - echo a\n",
    ".t:\n  s: [echo t]\na:\n  script:\n    - !reference [.t, s]\n    - echo a\n",
    "a:\n  script:\n    - - echo nested\n    - echo a\n  after_script: echo c\n",
    "default:\n  before_script:\n    - echo d\na:\n  script:\n    - echo a\n",
    ".t:\n  script:\n    - echo t\na:\n  extends: .t\n",
    "a:\n  script:\n    - echo a\n    - 1\n",
    "a:\n  ? [k]\n  : v\n  script:\n    - echo a\n",
]


@pytest.mark.parametrize("text", FLAT_CASES)
def test_a_job_already_flat_keeps_its_config(tmp_path: Path, text: str, monkeypatch) -> None:
    """_flat_already: a config kept as it is equals the one synth_map would build of it."""
    from authlint.gitlab import pipeline as pipeline_mod

    fast = project(tmp_path, {".gitlab-ci.yml": text})
    monkeypatch.setattr(pipeline_mod, "_flat_already", lambda config, lists: False)
    slow = project(tmp_path, {".gitlab-ci.yml": text})
    assert fast.jobs.keys() == slow.jobs.keys() and [p.message for p in fast.problems] == [p.message for p in slow.problems]
    for name, job in fast.jobs.items():
        assert _built(job.config) == _built(slow.jobs[name].config), name
        assert lines(job) == lines(slow.jobs[name])


def test_corpus_jobs_already_flat_keep_their_config(monkeypatch) -> None:
    from authlint.gitlab import pipeline as pipeline_mod

    corpus = require_corpus()
    kept = []
    flat_already = pipeline_mod._flat_already
    monkeypatch.setattr(pipeline_mod, "_flat_already", lambda config, lists: kept.append(flat_already(config, lists)) or kept[-1])
    for path in sorted(corpus.rglob("*.yml")):
        fast = load_pipeline(path.name, reader(path.parent), str(path.parent))
        with monkeypatch.context() as m:
            m.setattr(pipeline_mod, "_flat_already", lambda config, lists: False)
            slow = load_pipeline(path.name, reader(path.parent), str(path.parent))
        for name, job in fast.jobs.items():
            assert _built(job.config) == _built(slow.jobs[name].config), (path, name)
    assert kept.count(True) > 100 and kept.count(False) > 100  # both ways taken
