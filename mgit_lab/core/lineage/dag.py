"""A small directed acyclic graph: the lineage's structure, without networkx.

Just what the lineage asks of a graph: nodes with an attribute dict, edges with an
attribute dict, neighbours both ways, reachability and a deterministic topological order.
Reading a repository builds one of these for every version, so it stays cheap to import
(the standard library only) and to fill.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable, Iterator
from typing import Any

Attrs = dict[str, Any]


class _Edges:
    """``dag.edges[u, v]`` (the edge's attributes) and ``dag.edges(data=True)``."""

    def __init__(self, dag: DAG) -> None:
        self._dag = dag

    def __getitem__(self, edge: tuple[str, str]) -> Attrs:
        u, v = edge
        return self._dag._succ[u][v]

    def __call__(self, data: bool = False) -> list[Any]:
        out: list[Any] = []
        for u, kids in self._dag._succ.items():
            for v, attrs in kids.items():
                out.append((u, v, attrs) if data else (u, v))
        return out

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self(data=False))

    def __len__(self) -> int:
        return sum(len(kids) for kids in self._dag._succ.values())


class DAG:
    """Nodes (string ids) with attributes; directed edges with attributes.

    Cycles are not checked here: :class:`~.graph.LineageGraph` refuses them before adding
    an edge (:meth:`has_path`)."""

    def __init__(self) -> None:
        self.nodes: dict[str, Attrs] = {}
        self._succ: dict[str, dict[str, Attrs]] = {}
        self._pred: dict[str, dict[str, Attrs]] = {}
        self.edges = _Edges(self)

    # ------------------------------------------------------------ structure
    def __contains__(self, node: object) -> bool:
        return node in self.nodes

    def __iter__(self) -> Iterator[str]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def number_of_nodes(self) -> int:
        return len(self.nodes)

    def add_node(self, node: str, **attrs: Any) -> None:
        self.nodes.setdefault(node, {}).update(attrs)
        self._succ.setdefault(node, {})
        self._pred.setdefault(node, {})

    def add_edge(self, u: str, v: str, **attrs: Any) -> None:
        for n in (u, v):
            if n not in self.nodes:
                self.add_node(n)
        edge = self._succ[u].get(v)
        if edge is None:
            edge = self._succ[u][v] = self._pred[v][u] = {}
        edge.update(attrs)

    def has_edge(self, u: str, v: str) -> bool:
        return u in self._succ and v in self._succ[u]

    def remove_edge(self, u: str, v: str) -> None:
        del self._succ[u][v]
        del self._pred[v][u]

    def remove_node(self, node: str) -> None:
        for kid in self._succ.pop(node):
            del self._pred[kid][node]
        for parent in self._pred.pop(node):
            del self._succ[parent][node]
        del self.nodes[node]

    def predecessors(self, node: str) -> list[str]:
        return list(self._pred[node])

    def successors(self, node: str) -> list[str]:
        return list(self._succ[node])

    def in_degree(self, node: str) -> int:
        return len(self._pred[node])

    def copy(self) -> DAG:
        """A copy with its own node and edge attribute dicts (the values are shared)."""
        other = DAG()
        other.nodes = {n: dict(a) for n, a in self.nodes.items()}
        other._succ = {n: {} for n in self.nodes}
        other._pred = {n: {} for n in self.nodes}
        for u, kids in self._succ.items():
            for v, attrs in kids.items():
                other._succ[u][v] = other._pred[v][u] = dict(attrs)
        return other

    # ------------------------------------------------------------ reachability
    def _reach(self, start: str, step: dict[str, dict[str, Attrs]]) -> set[str]:
        seen: set[str] = set()
        todo = list(step[start])
        while todo:
            n = todo.pop()
            if n not in seen:
                seen.add(n)
                todo.extend(step[n])
        return seen

    def ancestors(self, node: str) -> set[str]:
        """Every node with a path to ``node`` (not itself)."""
        return self._reach(node, self._pred)

    def descendants(self, node: str) -> set[str]:
        """Every node ``node`` has a path to (not itself)."""
        return self._reach(node, self._succ)

    def has_path(self, source: str, target: str) -> bool:
        return source == target or target in self.descendants(source)

    def shortest_path(self, source: str, target: str) -> list[str] | None:
        """The nodes of a shortest directed path from ``source`` to ``target`` (None: none)."""
        back: dict[str, str | None] = {source: None}
        frontier = [source]
        while frontier and target not in back:
            nxt = []
            for n in frontier:
                for kid in self._succ[n]:
                    if kid not in back:
                        back[kid] = n
                        nxt.append(kid)
            frontier = nxt
        if target not in back:
            return None
        path: list[str] = []
        cur: str | None = target
        while cur is not None:
            path.append(cur)
            cur = back[cur]
        return path[::-1]

    def find_cycle(self) -> list[str] | None:
        """The nodes of one directed cycle, in edge order (None: the graph is acyclic)."""
        state: dict[str, int] = {}  # 1: on the current path, 2: done
        for root in self.nodes:
            if root in state:
                continue
            path: list[str] = [root]
            todo: list[Iterator[str]] = [iter(self._succ[root])]
            state[root] = 1
            while todo:
                kid = next(todo[-1], None)
                if kid is None:
                    state[path.pop()] = 2
                    todo.pop()
                elif state.get(kid) == 1:
                    return path[path.index(kid) :]
                elif kid not in state:
                    state[kid] = 1
                    path.append(kid)
                    todo.append(iter(self._succ[kid]))
        return None

    def topological_order(self, key: Callable[[str], Hashable]) -> list[str]:
        """Parents before children; among the nodes ready at each step the smallest ``key``
        first (networkx's lexicographical topological sort)."""
        indegree = {n: len(p) for n, p in self._pred.items()}
        ready = [(key(n), n) for n, d in indegree.items() if d == 0]
        heapq.heapify(ready)
        out = []
        while ready:
            _, n = heapq.heappop(ready)
            out.append(n)
            for kid in self._succ[n]:
                indegree[kid] -= 1
                if indegree[kid] == 0:
                    heapq.heappush(ready, (key(kid), kid))
        if len(out) != len(self.nodes):
            raise ValueError("the lineage graph has a cycle")
        return out
