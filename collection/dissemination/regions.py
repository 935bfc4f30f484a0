"""Destination groups for a region's overview: where its members' nationals go, every ISO 3166 alpha-3 code in
one group.

The groups are M49 data (`m49_groups.json`: the UN Statistics Division's regions and, for Asia, its
sub-regions). The reporting region's own members form the first group ("Within <region>"), computed from its
membership; the M49 groups that follow leave them out, and one that lost some members to it is called "Other
<group>" (for a South-east Asian region: "Other South-eastern Asia"). A group left empty is dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

M49_GROUPS = Path(__file__).with_name("m49_groups.json")
OTHER = "Other or unknown"


@cache
def m49_groups() -> tuple[tuple[str, frozenset[str]], ...]:
    """The M49 groups in the overview's order (nearest to Asia first), each with its alpha-3 codes."""
    data = json.loads(M49_GROUPS.read_text(encoding="utf-8"))
    return tuple((g["name"], frozenset(g["countries"])) for g in data["groups"])


def within_label(region_name: str) -> str:
    return f"Within {region_name}"


@dataclass(frozen=True)
class DestinationGroups:
    """The destination groups of one reporting region, in the page's order, and the group of each code."""

    labels: tuple[str, ...]
    group_of: dict[str, str]

    def of(self, code: str) -> str:
        """The group of a partner code (CDS_DES_SAU → Western Asia); X and anything unknown → Other or unknown."""
        return self.group_of.get(code.rsplit("_", 1)[-1], OTHER)


def destination_groups(region_name: str, members: Iterable[str]) -> DestinationGroups:
    """The region's members first, then each M49 group without them (a country in two regions is "within" for
    each region's page)."""
    own = frozenset(members)
    groups: list[tuple[str, frozenset[str]]] = [(within_label(region_name), own)] if own else []
    for name, codes in m49_groups():
        rest = codes - own
        if rest:
            groups.append((name if rest == codes or name == OTHER else f"Other {name}", rest))
    return DestinationGroups(
        labels=tuple(label for label, _ in groups),
        group_of={iso3: label for label, codes in groups for iso3 in codes},
    )
