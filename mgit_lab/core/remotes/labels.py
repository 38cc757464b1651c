"""Names and tags across two sides: renames and tag moves travel, clashes are conflicts.

A version has a stable identity (its id, made when it was created, the same in every
clone), so a version renamed on one side is still the same version on the other: the
rename travels.  Tags travel with push and pull as git's tags do.  Which side changed a
label is decided against the *base*: the names and tags both sides agreed on after the
last pull or push (:mod:`.tracking`).  For a version's name, and for a tag (its target,
or absent):

* both sides agree: nothing to do;
* the receiving side still has the base value: the sender changed it (a rename, a new,
  moved or removed tag), and the change is applied on the receiving side;
* the sender still has the base value: the receiver changed it since; it is kept
  (and noted: a push does not undo a rename someone else pushed);
* both changed it, differently (or there is no base and they differ): a **conflict**,
  reported with every clashing label; nothing is overwritten.

Only labels of versions the transfer covers (its *scope*) are considered: a tag the
sender has on a version it covers, or one the receiver has on such a version, so
``mgit push origin sst2`` never removes a tag from a version it does not send.  After the
changes, a name or tag that would label two versions is a conflict too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

Labels = tuple[dict[str, str], dict[str, str]]  # (id -> name, tag -> id)


def labels_of(nodes: Iterable[dict[str, Any]]) -> Labels:
    names: dict[str, str] = {}
    tags: dict[str, str] = {}
    for n in nodes:
        names[n["id"]] = n["name"]
        for t in n.get("tags") or []:
            tags[t] = n["id"]
    return names, tags


@dataclass
class LabelPlan:
    """What to change on the receiving side, and what cannot be decided."""

    #: version id -> its new name on the receiving side
    renames: dict[str, str] = field(default_factory=dict)
    #: tag -> the version id it goes to on the receiving side (None: removed there)
    tags: dict[str, str | None] = field(default_factory=dict)
    #: changes the receiving side made since the base, kept as they are (for the report)
    kept: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(self.renames or self.tags)

    def describe(self, receiver_names: dict[str, str], sender_names: dict[str, str]) -> list[str]:
        """One line per change (``renamed 'a' -> 'b'``, ``tag 'best' -> 'ft2'``)."""
        out = [f"renamed {receiver_names[vid]!r} -> {new!r}" for vid, new in sorted(self.renames.items())]
        for tag, vid in sorted(self.tags.items()):
            out.append(f"tag {tag!r} removed" if vid is None else f"tag {tag!r} -> {sender_names.get(vid, vid)!r}")
        return out


def plan_labels(
    sender: Iterable[dict[str, Any]],
    receiver: Iterable[dict[str, Any]],
    base: Labels,
    scope: set[str],
    sides: tuple[str, str] = ("here", "on the remote"),
) -> LabelPlan:
    """The label changes that make ``receiver`` agree with ``sender`` for versions in ``scope``.

    ``sides`` names the sender and the receiver in messages."""
    (s_names, s_tags), (r_names, r_tags), (b_names, b_tags) = labels_of(sender), labels_of(receiver), base
    here, there = sides
    plan = LabelPlan()
    for vid in sorted(scope & s_names.keys() & r_names.keys()):
        s, r, b = s_names[vid], r_names[vid], b_names.get(vid)
        if s == r:
            continue
        if r == b:
            plan.renames[vid] = s
        elif s == b:
            plan.kept.append(f"{s!r} was renamed {r!r} {there}")
        else:
            plan.conflicts.append(
                f"version {vid[:12]} is named {s!r} {here} and {r!r} {there}"
                + ("" if b is None else f" (it was {b!r})")
            )
    for tag in sorted(s_tags.keys() | r_tags.keys() | b_tags.keys()):
        s_at, r_at, b_at = s_tags.get(tag), r_tags.get(tag), b_tags.get(tag)
        if s_at == r_at or (s_at not in scope if s_at is not None else r_at not in scope):
            continue  # the sender does not speak for the version the tag is (or would be) on
        if r_at == b_at:
            plan.tags[tag] = s_at
        elif s_at == b_at:
            if b_at is not None:
                plan.kept.append(f"tag {tag!r} was " + ("removed" if r_at is None else "moved") + f" {there}")
        else:
            plan.conflicts.append(f"tag {tag!r} is on {_on(s_names, s_at)} {here} and on {_on(r_names, r_at)} {there}")
    return plan


def _on(names: dict[str, str], vid: str | None) -> str:
    return "no version" if vid is None else repr(names.get(vid, vid[:12]))


def apply_to_nodes(nodes: list[dict[str, Any]], plan: LabelPlan) -> list[dict[str, Any]]:
    """``nodes`` (lineage records) with ``plan`` applied (new dicts where changed)."""
    moved = set(plan.tags)
    out = []
    for n in nodes:
        tags = [t for t in n.get("tags") or [] if t not in moved]
        tags += sorted(t for t, vid in plan.tags.items() if vid == n["id"])
        name = plan.renames.get(n["id"], n["name"])
        if name != n["name"] or tags != list(n.get("tags") or []):
            n = {**n, "name": name, "tags": tags}
        out.append(n)
    return out


def clashes(nodes: Iterable[dict[str, Any]]) -> list[str]:
    """Labels (names or tags) that would label more than one version."""
    seen: dict[str, str] = {}
    out: set[str] = set()
    for n in nodes:
        for label in [n["name"], *(n.get("tags") or [])]:
            if seen.setdefault(label, n["id"]) != n["id"]:
                out.add(label)
    return sorted(out)


def agreed(local: Iterable[dict[str, Any]], remote: Iterable[dict[str, Any]], previous: Labels) -> Labels:
    """The new base after a pull or push: labels both sides now agree on; where they still
    differ (outside the transfer's scope), the previous base."""
    (l_names, l_tags), (r_names, r_tags) = labels_of(local), labels_of(remote)
    p_names, p_tags = previous
    names = {}
    for vid in l_names.keys() & r_names.keys():
        if l_names[vid] == r_names[vid]:
            names[vid] = l_names[vid]
        elif vid in p_names:
            names[vid] = p_names[vid]
    tags = {}
    for tag in l_tags.keys() | r_tags.keys() | p_tags.keys():
        if l_tags.get(tag) == r_tags.get(tag):
            if tag in l_tags:
                tags[tag] = l_tags[tag]
        elif tag in p_tags:
            tags[tag] = p_tags[tag]
    return names, tags
