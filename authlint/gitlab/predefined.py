"""GitLab's predefined CI/CD variables that matter for registry credentials.

One table instead of a set per rule.  Sources: GitLab "Predefined CI/CD
variables reference" and ``app/models/ci/build.rb`` (which of them are
``masked: true``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, eq=False)
class Predefined:
    """A predefined CI/CD variable and its role for registry credentials."""

    name: str
    role: str  # 'password' | 'user' | 'registry' | 'config' | 'other'
    masked: bool = False  # GitLab masks its exact value in the job log
    job_scoped: bool = False  # expires with the job
    job_token: bool = False  # the job token itself (accepted only with user gitlab-ci-token)


_TABLE = (
    Predefined("CI_JOB_TOKEN", "password", masked=True, job_scoped=True, job_token=True),
    Predefined("CI_REGISTRY_PASSWORD", "password", masked=True, job_scoped=True, job_token=True),
    Predefined("CI_DEPENDENCY_PROXY_PASSWORD", "password", masked=True, job_scoped=True, job_token=True),
    Predefined("CI_BUILD_TOKEN", "password", masked=True, job_scoped=True, job_token=True),  # deprecated name
    Predefined("CI_DEPLOY_PASSWORD", "password", masked=True, job_scoped=True),
    Predefined("CI_JOB_JWT", "password", masked=True, job_scoped=True),
    Predefined("CI_JOB_JWT_V1", "password", masked=True, job_scoped=True),
    Predefined("CI_JOB_JWT_V2", "password", masked=True, job_scoped=True),
    Predefined("CI_REGISTRY_USER", "user", job_scoped=True),
    Predefined("CI_DEPENDENCY_PROXY_USER", "user", job_scoped=True),
    Predefined("CI_DEPLOY_USER", "user", job_scoped=True),
    Predefined("CI_REGISTRY", "registry"),
    Predefined("CI_REGISTRY_IMAGE", "registry"),
    Predefined("CI_DEPENDENCY_PROXY_SERVER", "registry"),
    Predefined("CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX", "registry"),
    Predefined("CI_DEPENDENCY_PROXY_DIRECT_GROUP_IMAGE_PREFIX", "registry"),
)
PREDEFINED: dict[str, Predefined] = {p.name: p for p in _TABLE}

# Credentials GitLab itself provides (DOCKER_AUTH_CONFIG is a CI/CD variable the runner reads by name).
CREDENTIALS = frozenset({p.name for p in _TABLE if p.role == "password"} - {"CI_JOB_JWT", "CI_JOB_JWT_V1", "CI_JOB_JWT_V2"}) | {"DOCKER_AUTH_CONFIG"}
MASKED = frozenset(p.name for p in _TABLE if p.masked)
JOB_SCOPED = frozenset(p.name for p in _TABLE if p.job_scoped and p.name not in ("CI_BUILD_TOKEN",) and not p.name.startswith("CI_JOB_JWT"))
JOB_TOKENS = frozenset(p.name for p in _TABLE if p.job_token)
EPHEMERAL = frozenset(p.name for p in _TABLE if p.masked and p.name != "CI_DEPLOY_PASSWORD")
USERS = frozenset(p.name for p in _TABLE if p.role == "user")
JOB_USERS = frozenset({"CI_REGISTRY_USER", "CI_DEPENDENCY_PROXY_USER"})  # the job token's user names
# Other predefined variables that never hold a registry user name for GitLab's tokens.
OTHER_USERS = frozenset({
    "GITLAB_USER_LOGIN", "GITLAB_USER_NAME", "GITLAB_USER_EMAIL", "GITLAB_USER_ID", "CI_PROJECT_NAME",
    "CI_PROJECT_NAMESPACE", "CI_PROJECT_PATH", "CI_PROJECT_ROOT_NAMESPACE", "CI_COMMIT_AUTHOR",
}) | USERS

_PREFIXES = ("CI_", "GITLAB_", "CHAT_", "TRIGGER_PAYLOAD", "RUNNER_")
_OTHER = frozenset({"HOME", "PWD", "OLDPWD", "PATH", "USER", "HOSTNAME", "SHELL", "TMPDIR"})


def is_predefined(name: str) -> bool:
    """A variable GitLab or the runner defines in every job (CI_*, GITLAB_*, HOME, ...).

    Unknown `CI_*` names count too: GitLab reserves the prefix, and a name it does
    not define (e.g. CI_REGISTRY_USERNAME) is checked by is_known_predefined."""
    return name in PREDEFINED or name.startswith(_PREFIXES) or name in _OTHER


def is_known_predefined(name: str) -> bool:
    """A name GitLab defines (not merely one in its reserved prefix)."""
    return name in PREDEFINED or name in OTHER_USERS or bool(_KNOWN.match(name)) or name in _OTHER


_KNOWN = re.compile(
    r"^(?:CI|CI_(?:API_V4_URL|API_GRAPHQL_URL|BUILDS_DIR|COMMIT_\w+|CONCURRENT_\w+|CONFIG_PATH|DEBUG_\w+|DEFAULT_BRANCH|"
    r"ENVIRONMENT_\w+|HAS_OPEN_REQUIREMENTS|JOB_\w+|KUBERNETES_ACTIVE|MERGE_REQUEST_\w+|EXTERNAL_PULL_REQUEST_\w+|NODE_\w+|"
    r"OPEN_MERGE_REQUESTS|PAGES_\w+|PIPELINE_\w+|PROJECT_\w+|RELEASE_DESCRIPTION|REPOSITORY_URL|RUNNER_\w+|SERVER(?:_\w+)?|"
    r"SHARED_ENVIRONMENT|TEMPLATE_REGISTRY_HOST|TRIGGER_SHORT_TOKEN|DISPOSABLE_ENVIRONMENT|DEPLOY_FREEZE|GITLAB_FIPS_MODE|"
    r"KUBERNETES_\w+|BUILD_\w+|TAG\w*)|GITLAB_\w+|TRIGGER_PAYLOAD|CHAT_\w+)$"
)


def misspelt_predefined(name: str) -> str | None:
    """The predefined variable a name misspells (CI_REGISTRY_USERNAME -> CI_REGISTRY_USER,
    CI_REGISTRY_PASS -> CI_REGISTRY_PASSWORD), or None.  A name that extends one after
    an underscore (CI_REGISTRY_USER_CANONICAL) is a deliberate custom variable."""
    if name in PREDEFINED or not name.startswith("CI_"):
        return None
    for p in PREDEFINED:
        if name.startswith(p) and not name[len(p)].startswith("_"):
            return p
        if p.startswith(name) and len(p) - len(name) >= 2 and p[len(name)] != "_":
            return p
    return None
