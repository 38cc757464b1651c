"""Plain-text renderings of lineage payloads for terminals (CLI, magics).

``render_log`` draws the DAG as a tree: every version sits under its first parent; a
version with more parents (a merge) says where else it comes from::

    base  [mlm]  4.4M params  1.7 MB / 17.6 MB  tests:pass  "trained 40 steps"
    ├─ sentiment  (finetune)  ...
    │  └─ sentiment-fp16  (quantize)  ...
    └─ base-v2  (version)  ...
       └─ merged  (merge, also from sentiment)  ...
"""

from __future__ import annotations

from .schema import GraphPayload, StorageStats, VersionDetail, VersionSummary


def human_bytes(n: float) -> str:
    """``1536`` -> ``'1.5 KB'`` (powers of 1000, as disks are sold)."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def human_count(n: int) -> str:
    if n >= 1_000_000_000:
        return f"{n / 1e9:.2f}B"
    if n >= 1_000_000:
        return f"{n / 1e6:.2f}M"
    if n >= 1_000:
        return f"{n / 1e3:.1f}K"
    return str(n)


def _details(node: VersionSummary, extra_parents: list[str], ids: bool) -> str:
    parts = []
    if node["relation"]:
        rel: str = node["relation"]
        if extra_parents:
            rel += ", also from " + ", ".join(extra_parents)
        parts.append(f"({rel})")
    if node["tags"]:
        parts.append("[" + ", ".join(node["tags"]) + "]")
    if node["model_type"]:
        parts.append(f"<{node['model_type']}>")
    parts.append(f"{human_count(node['num_parameters'])} params")
    parts.append(f"{human_bytes(node['stored_bytes'])} / {human_bytes(node['raw_bytes'])}")
    if node["test_status"] != "none":
        parts.append(f"tests:{node['test_status']}")
    if ids:
        parts.append(node["id"][:12])
    if node["message"]:
        msg = node["message"].splitlines()[0]
        parts.append('"' + (msg[:57] + "..." if len(msg) > 60 else msg) + '"')
    return "  ".join(parts)


def render_log(payload: GraphPayload, *, ids: bool = False) -> str:
    """The lineage as a tree, roots in creation order (see the module docstring)."""
    nodes = {n["id"]: n for n in payload["nodes"]}
    if not nodes:
        return "(no versions yet: add one with `mgit add MODEL --name NAME`)"
    order = {n["id"]: i for i, n in enumerate(payload["nodes"])}
    kids: dict[str, list[str]] = {vid: [] for vid in nodes}
    roots = []
    for n in payload["nodes"]:
        first = [p["id"] for p in n["parents"] if p["id"] in nodes]
        if first:
            kids[first[0]].append(n["id"])
        else:
            roots.append(n["id"])
    rows: list[tuple[str, str]] = []

    def walk(vid: str, prefix: str, tail: str) -> None:
        n = nodes[vid]
        extra = [p["name"] for p in n["parents"][1:]]
        rows.append((prefix + n["name"], _details(n, extra, ids)))
        children = sorted(kids[vid], key=order.__getitem__)
        for i, c in enumerate(children):
            last = i == len(children) - 1
            walk(c, tail + ("└─ " if last else "├─ "), tail + ("   " if last else "│  "))

    for r in roots:
        walk(r, "", "")
    width = min(max(len(a) for a, _ in rows), 48)
    return "\n".join(f"{a.ljust(width)}  {b}" for a, b in rows)


def render_show(detail: VersionDetail, *, tensors: bool = False) -> str:
    """A version in full, for ``mgit show``."""
    d = detail
    lines = [f"version  {d['name']}  (id {d['id']})"]
    if d["parents"]:
        lines.append("parents  " + ", ".join(f"{p['name']} ({p['relation']})" for p in d["parents"]))
    else:
        lines.append("parents  (root)")
    if d["children"]:
        lines.append("children " + ", ".join(f"{c['name']} ({c['relation']})" for c in d["children"]))
    lines.append(f"type     {d['model_type'] or '-'}")
    arch = d["architecture"]
    lines.append(f"arch     {arch.get('class') if arch else '- (state dict only)'}")
    lines.append(f"created  {d['created']} by {d['author']}")
    if d["tags"]:
        lines.append(f"tags     {', '.join(d['tags'])}")
    if d["message"]:
        lines.append(f"message  {d['message']}")
    m = d["manifest"]
    dtypes = ", ".join(f"{k}:{v}" for k, v in sorted(m["dtypes"].items()))
    lines.append(f"tensors  {m['num_tensors']} ({human_count(m['num_parameters'])} params; {dtypes})")
    if d["parents"]:
        lines.append(
            f"vs parent  {m['same_as_parent']} same, {m['changed_from_parent']} changed, "
            f"{m['added']} added, {m['removed']} removed"
        )
    ratio = d["stored_bytes"] / d["raw_bytes"] if d["raw_bytes"] else 0.0
    lines.append(
        f"storage  {human_bytes(d['stored_bytes'])} stored for {human_bytes(d['raw_bytes'])} raw ({ratio:.1%})"
    )
    inference = d["metadata"].get("inference")
    if isinstance(inference, dict) and inference.get("parent"):
        lines.append(
            f"inferred {inference['parent']} (confidence {inference.get('confidence')}): {inference.get('reason')}"
        )
    if d["metrics"]:
        lines.append("metrics  " + ", ".join(f"{k}={_short(v)}" for k, v in d["metrics"].items()))
    for name, result in sorted(d["tests"].items()):
        values = ", ".join(f"{k}={_short(v)}" for k, v in (result.get("metrics") or {}).items())
        lines.append(f"test     {name}: {result.get('status', '?')}  {values}".rstrip())
    meta = {k: v for k, v in d["metadata"].items() if k != "inference"}
    if meta:
        lines.append("metadata " + ", ".join(f"{k}={_short(v)}" for k, v in meta.items()))
    files = d.get("files") or []
    if files:
        size = human_bytes(sum(f["size"] for f in files))
        lines.append(f"files    {len(files)} ({size}; checkout gives them back exactly)")
        w = max(len(f["path"]) for f in files)
        for f in files:
            lines.append(f"  {f['path'].ljust(w)}  {human_bytes(f['size']).rjust(9)}  {f['kind']}")
    if tensors:
        lines.append("")
        w = max((len(t["name"]) for t in d["tensors"]), default=4)
        for t in d["tensors"]:
            shape = "x".join(map(str, t["shape"])) or "scalar"
            vs = t["vs_parent"] or ""
            lines.append(
                f"  {t['name'].ljust(w)}  {t['dtype']:9} {shape:>14}  {human_bytes(t['stored_bytes']):>9}  "
                f"{'+'.join(t['codecs']):24} {vs}"
            )
    return "\n".join(lines)


def _short(value: object) -> str:
    text = f"{value:.4g}" if isinstance(value, float) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def render_du(stats: StorageStats, *, exact: bool = False) -> str:
    """The ``mgit du`` table: stored vs raw bytes per version, then the totals."""
    fmt = (lambda n: str(n)) if exact else human_bytes
    rows = [(r["name"], fmt(r["stored_bytes"]), fmt(r["raw_bytes"]), f"{r['ratio']:.1%}") for r in stats["versions"]]
    t = stats["total"]
    head = ("version", "stored", "raw", "stored/raw")
    total = ("TOTAL", fmt(t["stored_bytes"]), fmt(t["raw_bytes"]), f"{t['ratio']:.1%}")
    w = [max(len(r[i]) for r in [head, total, *rows]) for i in range(4)]
    line = lambda r: f"{r[0].ljust(w[0])}  {r[1].rjust(w[1])}  {r[2].rjust(w[2])}  {r[3].rjust(w[3])}"  # noqa: E731
    out = [line(head), *map(line, rows), line(total)]
    out.append(
        f"{t['versions']} versions, {t['objects']} objects in {t['packs']} pack(s); "
        f"pack files on disk: {fmt(t['pack_file_bytes'])}"
    )
    if t.get("files"):
        out.append(
            f"files: {t['files']} recorded; {t['blob_objects']} blob objects (small files, safetensors headers) "
            f"store {fmt(t['blob_bytes'])} (counted above)"
        )
    return "\n".join(out)
