"""The rule registry: an explicit, greppable list of rule modules."""

from __future__ import annotations

from functools import lru_cache
from importlib import import_module
from types import ModuleType

from .base import Rule

MODULES = (
    "al001_parse_error",
    "al002_unresolved_include",
    "al003_unused_suppression",
    "al101_inline_docker_auth_config",
    "al102_literal_registry_password",
    "al103_literal_auth_in_json",
    "al104_gitlab_token",
    "al105_credentials_in_url",
    "al106_secret_detected",
    "al107_literal_credential_encoded",
    "al201_missing_registry_auth",
    "al202_auth_config_not_from_variable",
    "al203_wrong_config_path",
    "al204_missing_config_dir",
    "al205_append_to_auth_config",
    "al206_unquoted_auth_variable",
    "al207_echo_auth_config",
    "al208_base64_line_wrap",
    "al209_newline_in_credential",
    "al210_docker_auth_env_precedence",
    "al211_password_on_command_line",
    "al212_interpolated_userpass_json",
    "al213_kaniko_entrypoint",
    "al214_robot_account_dollar",
    "al215_crlf_script_auth_write",
    "al216_powershell_utf8_bom",
    "al301_auth_json_syntax",
    "al302_auth_json_schema",
    "al303_auth_not_base64",
    "al304_auth_bad_userpass",
    "al305_auth_trailing_newline",
    "al306_registry_key_format",
    "al307_placeholder_credentials",
    "al308_auth_entry_fields",
    "al309_key_image_mismatch",
    "al310_creds_store_helper",
    "al401_secret_printed_to_log",
    "al402_xtrace_with_credentials",
    "al403_debug_trace_with_credentials",
    "al404_auth_config_in_artifacts",
    "al405_credential_build_arg",
    "al501_deprecated_ci_build_token",
    "al502_token_user_mismatch",
    "al503_kaniko_unmaintained",
    "al504_private_image_if_not_present",
    "al505_job_token_in_pull_secret",
)

HOOKS = ("check_file", "check_job", "check_command", "check_auth")


@lru_cache(maxsize=None)
def all_modules() -> tuple[ModuleType, ...]:
    mods = []
    for name in MODULES:
        try:
            mods.append(import_module(f"{__name__}.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    return tuple(sorted(mods, key=lambda m: m.RULE.code))


def codes() -> frozenset[str]:
    """Every rule's code, without importing the rules: a module is named after its code (alNNN_name)."""
    return frozenset(name.split("_", 1)[0].upper() for name in MODULES)


def all_rules() -> tuple[Rule, ...]:
    return tuple(m.RULE for m in all_modules())


@lru_cache(maxsize=None)  # asked twice per project of a fleet; callers only read it
def by_code() -> dict[str, ModuleType]:
    return {m.RULE.code: m for m in all_modules()}


def lookup(key: str) -> ModuleType | None:
    """A rule module by code (AL206) or name (unquoted-auth-variable)."""
    key = key.strip()
    for m in all_modules():
        if m.RULE.code == key.upper() or m.RULE.name == key.lower():
            return m
    return None


class UnknownSelector(ValueError):
    pass


def expand(selectors: tuple[str, ...] | list[str]) -> set[str]:
    """Codes matched by selectors: a code, a code prefix (AL2, AL20), a name, or ALL."""
    codes: set[str] = set()
    rules = all_rules()
    for sel in selectors:
        s = sel.strip()
        if not s:
            continue
        if s.upper() == "ALL":
            codes.update(r.code for r in rules)
            continue
        hit = {r.code for r in rules if r.code.startswith(s.upper()) or r.name == s.lower()}
        if not hit:
            raise UnknownSelector(f"unknown rule selector {sel!r} (use a code such as AL206, a prefix such as AL2, or a rule name)")
        codes |= hit
    return codes


def resolve_selection(select: tuple[str, ...] | None, extend_select: tuple[str, ...], ignore: tuple[str, ...]) -> frozenset[str]:
    if select is None:
        enabled = {r.code for r in all_rules() if r.default_enabled}
    else:
        enabled = expand(select)
    enabled |= expand(extend_select)
    enabled -= expand(ignore)
    return frozenset(enabled)
