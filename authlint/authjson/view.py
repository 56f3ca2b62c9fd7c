"""A typed view of a parsed auth document for the rules: its `auths` entries
and their fields, plus member-deletion spans for fixes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..units import AuthDoc
    from .parser import JMember, JNode


@dataclass
class Entry:
    """One `"host": {...}` entry of `auths`."""

    member: "JMember"
    index: int  # position among the members of `auths`

    @property
    def key(self) -> "JNode":
        return self.member.key

    @property
    def value(self) -> "JNode":
        return self.member.value

    @property
    def is_object(self) -> bool:
        return self.value.kind == "object"

    def field(self, name: str) -> "JNode | None":
        m = self.field_member(name)
        return m.value if m else None

    def field_member(self, name: str) -> "JMember | None":
        for m in self.value.members or []:
            if m.key.value == name:
                return m
        return None

    def field_index(self, name: str) -> int | None:
        for i, m in enumerate(self.value.members or []):
            if m.key.value == name:
                return i
        return None


def root_object(doc: "AuthDoc") -> "JNode | None":
    value = doc.result.value
    return value if value is not None and value.kind == "object" else None


def top(doc: "AuthDoc", name: str) -> "JMember | None":
    root = root_object(doc)
    for m in (root.members or []) if root else []:
        if m.key.value == name:
            return m
    return None


def entries(doc: "AuthDoc") -> list[Entry]:
    """The entries of `auths` (only when it is an object)."""
    m = top(doc, "auths")
    if m is None or m.value.kind != "object":
        return []
    return [Entry(member, i) for i, member in enumerate(m.value.members or [])]


def auth_strings(doc: "AuthDoc") -> list["JNode"]:
    out = []
    for e in entries(doc):
        if e.is_object:
            node = e.field("auth")
            if node is not None and node.kind == "string":
                out.append(node)
    return out


def removal_span(text: str, obj: "JNode", index: int) -> tuple[int, int]:
    """Text range that deletes member `index` of obj together with one comma."""
    members = obj.members or []
    m = members[index]
    if index + 1 < len(members):  # up to the next member: "a": 1, |"b": 2
        return m.key.start, members[index + 1].key.start
    if index > 0:  # the last member: from the end of the previous value
        return members[index - 1].value.end, m.value.end
    return m.key.start, m.value.end
