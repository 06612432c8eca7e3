"""The paper as a tree: sections, recommendations and measures, in the paper's order.

`Tree` tolerates a broken file (an unknown parent, a cycle, a duplicate id): every node is
kept and placed somewhere, so a typo in one parent never hides a recommendation from the
scores; `tree_problems` reports what is broken, with lines.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from tracker.domain.model import Node
from tracker.domain.problems import Code, Problem

Loc = tuple[str | int, ...]
Locate = Callable[[Loc], int | None]

PLACEHOLDER = "(replace)"


@dataclass
class Tree:
    """Nodes by id, each node's children (the paper's order), depth, and an order that lists
    children before their parents (what a rollup needs)."""

    nodes: dict[str, Node] = field(default_factory=dict)
    children: dict[str | None, list[str]] = field(default_factory=dict)
    depth: dict[str, int] = field(default_factory=dict)
    bottom_up: list[str] = field(default_factory=list)
    parent: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def of(cls, nodes: Sequence[Node]) -> Tree:
        known: dict[str, Node] = {}
        for node in nodes:
            known.setdefault(node.id, node)
        children: dict[str | None, list[str]] = {}
        for node in known.values():
            parent = node.parent if node.parent in known and node.parent != node.id else None
            children.setdefault(parent, []).append(node.id)
        tree = cls(nodes=known)
        reached: dict[str, str | None] = {}

        def visit(root: str) -> None:
            stack: list[tuple[str, str | None, int, bool]] = [(root, None, 0, False)]
            while stack:
                nid, parent, level, done = stack.pop()
                if done:
                    tree.bottom_up.append(nid)
                    continue
                if nid in reached:
                    continue
                reached[nid] = parent
                tree.depth[nid] = level
                stack.append((nid, parent, level, True))
                for child in reversed(children.get(nid, [])):
                    stack.append((child, nid, level + 1, False))

        for root in list(children.get(None, [])):
            visit(root)
        for nid in known:  # in a cycle: unreachable from the top
            if nid not in reached:
                visit(nid)
        tree.parent = reached
        for nid in known:
            tree.children.setdefault(reached[nid], []).append(nid)
        return tree

    def __contains__(self, node_id: object) -> bool:
        return node_id in self.nodes

    def __len__(self) -> int:
        return len(self.nodes)

    def in_order(self) -> Iterator[Node]:
        """Every node in the paper's order (a depth-first walk, parents first)."""
        stack = list(reversed(self.children.get(None, [])))
        while stack:
            nid = stack.pop()
            yield self.nodes[nid]
            stack.extend(reversed(self.children.get(nid, [])))

    def kids(self, node_id: str | None) -> list[str]:
        return self.children.get(node_id, [])

    def descendants(self, node_id: str) -> list[str]:
        out: list[str] = []
        stack = list(reversed(self.kids(node_id)))
        while stack:
            nid = stack.pop()
            out.append(nid)
            stack.extend(reversed(self.kids(nid)))
        return out

    def subtree(self, node_id: str) -> set[str]:
        return {node_id, *self.descendants(node_id)}

    def ancestors(self, node_id: str) -> list[str]:
        """The parent, its parent, and so on up to the section."""
        out: list[str] = []
        current = self.parent.get(node_id)
        while current is not None and current not in out:
            out.append(current)
            current = self.parent.get(current)
        return out

    def section_of(self, node_id: str) -> str:
        chain = self.ancestors(node_id)
        return chain[-1] if chain else node_id


def tree_problems(nodes: Sequence[Node], rel: str, locate: Locate) -> list[Problem]:
    """What is wrong with the tree as written: duplicates, parents, kinds, placeholders."""
    problems: list[Problem] = []
    seen: dict[str, Node] = {}
    allowed = {"recommendation": {"section"}, "measure": {"recommendation", "measure"}}
    for index, node in enumerate(nodes):
        line = locate(("node", index, "id"))
        parent_line = locate(("node", index, "parent"))

        def add(code: Code, message: str, at: int | None) -> None:
            problems.append(Problem(rel, code, message, at))

        if node.id in seen:
            add(Code.DUPLICATE_NODE, f"duplicate node id '{node.id}'", line)
            continue
        if node.kind == "section":
            if node.parent is not None:
                add(Code.SECTION_PARENT, "a section has no parent", parent_line)
        elif node.parent is None:
            add(Code.MISSING_PARENT, f"a {node.kind} needs a parent", line)
        elif node.parent not in seen:
            later = any(n.id == node.parent for n in nodes[index:])
            hint = (
                "it must come before its children"
                if later
                else did_you_mean(node.parent, list(seen))
            )
            add(
                Code.UNKNOWN_PARENT,
                f"parent '{node.parent}' of '{node.id}' is not a node above; {hint}",
                parent_line,
            )
        else:
            parent = seen[node.parent]
            if parent.kind not in allowed[node.kind]:
                add(
                    Code.PARENT_KIND,
                    f"a {node.kind}'s parent must be a "
                    f"{' or '.join(sorted(allowed[node.kind]))}, not the {parent.kind} "
                    f"'{parent.id}'",
                    parent_line,
                )
        seen[node.id] = node
        for key in ("title", "text"):
            if PLACEHOLDER in getattr(node, key):
                problems.append(
                    Problem(
                        rel,
                        Code.PLACEHOLDER,
                        f"node '{node.id}': its {key} still holds the placeholder "
                        f"'{PLACEHOLDER}': write the paper's own words",
                        locate(("node", index, key)),
                        "warning",
                    )
                )
    return problems


def did_you_mean(value: str, known: list[str]) -> str:
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else "no such id"
