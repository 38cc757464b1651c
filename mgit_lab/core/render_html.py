"""HTML fragments of the core's results, for notebook outputs (``_repr_html_``).

Plain string builders over the JSON payloads of ``core/schema.py`` (the same shapes the
CLI prints with ``--json``): no IPython, no Jupyter, no scripts except the few lines that
make a table sortable by clicking its headers (JupyterLab, Notebook 7 and VS Code run
them in trusted outputs; elsewhere the table simply stays in its first order).
Every text taken from a repository is escaped.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from .render_text import human_bytes

#: styles scoped under ``.mgit-html`` so an output never restyles the rest of the page.
CSS = (
    ".mgit-html{font:13px/1.4 var(--jp-ui-font-family,system-ui,sans-serif)}"
    ".mgit-html table{border-collapse:collapse;margin:6px 0}"
    ".mgit-html td,.mgit-html th{padding:2px 10px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}"
    ".mgit-html th.mgit-sort{cursor:pointer;user-select:none}"
    ".mgit-html td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    ".mgit-html .mgit-head{font-weight:600;margin:4px 0}"
    ".mgit-html .mgit-meta{color:#666;margin:2px 0}"
    ".mgit-html .passed,.mgit-html .pass,.mgit-html .ok{color:#2e7d32}"
    ".mgit-html .failed,.mgit-html .fail,.mgit-html .error,.mgit-html .FAIL{color:#c62828;font-weight:600}"
    ".mgit-html .tag{display:inline-block;padding:0 5px;margin-right:3px;border-radius:3px;"
    "background:#e3f2fd;color:#0d47a1;font-size:11px}"
    ".mgit-html .mgit-error{border-left:4px solid #c62828;background:#ffebee;padding:6px 10px;color:#222}"
    ".mgit-html .mgit-error .hint{color:#555;margin-top:2px}"
)

_ids = itertools.count(1)

_SORT_SCRIPT = (
    "<script>(function(){{var t=document.getElementById('{id}');if(!t)return;"
    "t.querySelectorAll('th.mgit-sort').forEach(function(th,i){{th.addEventListener('click',function(){{"
    "var body=t.tBodies[0],rows=Array.from(body.rows),asc=th.dataset.dir!=='asc';"
    "t.querySelectorAll('th.mgit-sort').forEach(function(h){{h.dataset.dir='';}});th.dataset.dir=asc?'asc':'desc';"
    "rows.sort(function(a,b){{var x=a.cells[i].dataset.v,y=b.cells[i].dataset.v;"
    "var nx=parseFloat(x),ny=parseFloat(y),c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:String(x).localeCompare(String(y));"
    "return asc?c:-c;}});rows.forEach(function(r){{body.appendChild(r);}});}});}});}})();</script>"
)


def wrap(body: str) -> str:
    """``body`` inside the scoped container with its styles."""
    return f'<div class="mgit-html"><style>{CSS}</style>{body}</div>'


def cell(value: Any, *, cls: str = "", sort: Any = None, raw: bool = False) -> dict[str, Any]:
    """A table cell: its text (escaped unless ``raw``), CSS class and sort key."""
    return {"html": str(value) if raw else escape(str(value)), "cls": cls, "sort": value if sort is None else sort}


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, sortable: bool = False) -> str:
    """An HTML table; cells are plain values or :func:`cell` dicts. ``sortable`` adds
    click-to-sort headers (numbers compare as numbers)."""
    tid = f"mgit-table-{next(_ids)}"
    th_cls = ' class="mgit-sort" title="click to sort"' if sortable else ""
    head = "".join(f"<th{th_cls}>{escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        tds = []
        for value in row:
            c = value if isinstance(value, dict) and "html" in value else cell(value)
            cls = f' class="{escape(c["cls"], quote=True)}"' if c["cls"] else ""
            tds.append(f'<td{cls} data-v="{escape(str(c["sort"]), quote=True)}">{c["html"]}</td>')
        body.append(f"<tr>{''.join(tds)}</tr>")
    html = f'<table id="{tid}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    return html + (_SORT_SCRIPT.format(id=tid) if sortable and rows else "")


def num(value: float | int | None, fmt: str = "{:.4g}") -> dict[str, Any]:
    """A right-aligned numeric cell (``-`` for None)."""
    if value is None:
        return cell("-", cls="num", sort="")
    return cell(fmt.format(value), cls="num", sort=value)


def size(nbytes: int) -> dict[str, Any]:
    """A byte count shown human-readable, sorted by its value."""
    return cell(human_bytes(nbytes), cls="num", sort=nbytes)


def tags(names: Sequence[str]) -> dict[str, Any]:
    return cell("".join(f'<span class="tag">{escape(t)}</span>' for t in names), raw=True, sort=",".join(names))


def error(message: str, hint: str | None = None) -> str:
    """One readable error box: what went wrong, and what to do."""
    more = f'<div class="hint">{escape(hint)}</div>' if hint else ""
    return wrap(f'<div class="mgit-error"><b>mgit:</b> {escape(message)}{more}</div>')


def pre(text: str) -> str:
    return wrap(f"<pre>{escape(text)}</pre>")


# ------------------------------------------------------------------ lineage
def log_table(payload: Mapping[str, Any]) -> str:
    """The lineage as a compact sortable table (one row per version, parents first)."""
    rows = []
    for n in payload["nodes"]:
        parents = ", ".join(p["name"] for p in n["parents"])
        raw, stored = n["raw_bytes"], n["stored_bytes"]
        rows.append(
            [
                cell(n["name"]),
                cell(f"{n['relation']} of {parents}" if parents else "root", sort=parents),
                n["model_type"] or "",
                tags(n["tags"]),
                num(n["num_parameters"], "{:,}"),
                size(stored),
                size(raw),
                num(stored / raw if raw else 0.0, "{:.1%}"),
                cell(n["test_status"], cls=n["test_status"]),
                n["message"],
            ]
        )
    head = f'<div class="mgit-head">{len(rows)} versions (revision {payload.get("revision", "?")})</div>'
    headers = ["version", "from", "type", "tags", "params", "stored", "raw", "stored/raw", "tests", "message"]
    return wrap(head + table(headers, rows, sortable=True))


def repository(root: str, payload: Mapping[str, Any]) -> str:
    """A repository: where it is, what it saves against plain checkpoints, its versions."""
    nodes = payload["nodes"]
    stored = sum(n["stored_bytes"] for n in nodes)
    raw = sum(n["raw_bytes"] for n in nodes)
    saving = f"; stored {human_bytes(stored)} for {human_bytes(raw)} of checkpoints ({stored / raw:.1%})" if raw else ""
    head = f'<div class="mgit-head">mgit repository {escape(root)}</div>'
    head += f'<div class="mgit-meta">{len(nodes)} versions{saving}</div>'
    return wrap(
        head + (log_table(payload) if nodes else "<p>No versions yet: add one with <code>%mgit add</code>.</p>")
    )


def version(summary: Mapping[str, Any], metrics: Mapping[str, Any] | None = None) -> str:
    """One version: name, parents, type, storage, tags, tests and metrics."""
    s = summary
    parents = ", ".join(f"{p['name']} ({p['relation']})" for p in s["parents"]) or "none (a root)"
    raw, stored = s["raw_bytes"], s["stored_bytes"]
    rows = [
        ["id", s["id"][:12]],
        ["parents", parents],
        ["type", s["model_type"] or "-"],
        ["parameters", f"{s['num_parameters']:,} in {s['num_tensors']} tensors"],
        ["storage", f"{human_bytes(stored)} new for {human_bytes(raw)} ({stored / raw if raw else 0:.1%})"],
        ["tags", tags(s["tags"])],
        ["tests", cell(s["test_status"], cls=s["test_status"])],
        ["created", f"{s['created']} by {s['author']}"],
    ]
    if s["message"]:
        rows.append(["message", s["message"]])
    for k, v in (metrics or {}).items():
        rows.append([f"metric {k}", num(v) if isinstance(v, (int, float)) else v])
    return wrap(f'<div class="mgit-head">version {escape(s["name"])}</div>' + table(["", ""], rows))


def version_record(v: Any) -> str:
    """A :class:`ModelVersion` on its own (what it records; parents need the graph)."""
    figures = v.summary or {}
    raw, stored = figures.get("raw_bytes"), figures.get("stored_bytes")
    rows = [["id", v.id[:12]], ["type", v.model_type or "-"]]
    if figures.get("num_parameters") is not None:
        rows.append(["parameters", f"{figures['num_parameters']:,} in {figures.get('num_tensors', '?')} tensors"])
    if raw:
        rows.append(["storage", f"{human_bytes(stored or 0)} new for {human_bytes(raw)} ({(stored or 0) / raw:.1%})"])
    if v.tags:
        rows.append(["tags", tags(v.tags)])
    for name, result in (v.tests or {}).items():
        status = result.get("status", "?") if isinstance(result, dict) else str(result)
        rows.append([f"test {name}", cell(status, cls=status)])
    for k, value in (v.metrics or {}).items():
        rows.append([f"metric {k}", num(value) if isinstance(value, (int, float)) else value])
    if v.message:
        rows.append(["message", v.message])
    rows.append(["created", f"{v.created} by {v.author}"])
    return wrap(f'<div class="mgit-head">version {escape(v.name)}</div>' + table(["", ""], rows))


def storage(stats: Mapping[str, Any]) -> str:
    """``du``: bytes each version added against its checkpoint size, and the total."""
    rows = [
        [r["name"], size(r["stored_bytes"]), size(r["raw_bytes"]), num(r["ratio"], "{:.1%}")] for r in stats["versions"]
    ]
    t = stats["total"]
    head = (
        f'<div class="mgit-head">{t["versions"]} versions: {human_bytes(t["stored_bytes"])} stored for '
        f"{human_bytes(t['raw_bytes'])} of plain checkpoints ({t['ratio']:.1%})</div>"
    )
    return wrap(head + table(["version", "stored", "raw", "stored/raw"], rows, sortable=True))


# ------------------------------------------------------------------ tests
def _metrics_cell(metrics: Mapping[str, Any], checks: Mapping[str, Any] | None) -> dict[str, Any]:
    parts = []
    for name, value in metrics.items():
        text = f"{name}={value:.4g}" if isinstance(value, float) else f"{name}={value}"
        check = (checks or {}).get(name) or {}
        if check.get("condition"):
            ok = "ok" if check.get("passed") else "FAIL"
            text += f' <span class="{ok}">({escape(str(check["condition"]))} {ok})</span>'
        parts.append(text)
    return cell("&nbsp; ".join(parts), raw=True, sort=next(iter(metrics.values()), ""))


def test_results(results: Sequence[Mapping[str, Any]]) -> str:
    """Test runs: version, test, status, metrics with their checks, time."""
    if not results:
        return wrap("<p>No registered test applies.</p>")
    rows = [
        [
            r["version_name"],
            r["test"],
            cell(r["status"], cls=r["status"]),
            _metrics_cell(r["metrics"], r["checks"]),
            num(r["duration_s"], "{:.3f}s"),
        ]
        for r in results
    ]
    failed = sum(r["status"] != "passed" for r in results)
    head = f'<div class="mgit-head">{len(results)} test runs, {failed} not passed</div>'
    return wrap(head + table(["version", "test", "status", "metrics", "time"], rows, sortable=True))


def bisect(result: Mapping[str, Any]) -> str:
    rows = [
        [s["version_name"], cell(s["status"], cls=s["status"]), "stored result" if s["cached"] else "ran"]
        for s in result["steps"]
    ]
    head = (
        f'<div class="mgit-head">first failing version: {escape(result["first_bad"])} '
        f"(last passing: {escape(result['last_good'])})</div>"
        f'<div class="mgit-meta">test {escape(result["test"])}; path: {escape(" → ".join(result["path"]))}</div>'
    )
    return wrap(head + table(["version", "status", "how"], rows))


# ------------------------------------------------------------------ merge
def merge_plan(plan: Mapping[str, Any], chosen: str | None = None, limit: int = 40) -> str:
    """A merge plan: ancestor, parameter states, conflicts, what each strategy would do."""
    head = (
        f'<div class="mgit-head">merge {escape(plan["a_name"])} (A) + {escape(plan["b_name"])} (B), '
        f"common ancestor: {escape(plan['ancestor_name'] or 'none')}</div>"
        f'<div class="mgit-meta">{plan["auto"] + plan["conflicts"]} parameters: {plan["auto"]} merge automatically, '
        f"{plan['conflicts']} conflict; "
        + escape(", ".join(f"{k}: {v}" for k, v in sorted(plan["counts"].items())))
        + "</div>"
    )
    conflicts = [p for p in plan["parameters"] if not p["auto"]]
    body = ""
    if conflicts:
        rows = [
            [p["name"], p["state"], str(p["shape_a"]), str(p["shape_b"]), str(p["shape_ancestor"])]
            for p in conflicts[:limit]
        ]
        body += "<div>conflicts</div>" + table(["parameter", "state", "A", "B", "ancestor"], rows, sortable=True)
        if len(conflicts) > limit:
            body += f'<div class="mgit-meta">... and {len(conflicts) - limit} more</div>'
    rows = []
    for s in plan["strategies"]:
        what = s["reason"] if s["applicable"] else f"cannot: {s['reason']}"
        name = f"<b>{escape(s['name'])}</b>" if s["name"] == chosen else escape(s["name"])
        rows.append(
            [
                cell(name, raw=True, sort=s["name"]),
                cell("yes" if s["applicable"] else "no", cls="ok" if s["applicable"] else "failed"),
                what,
            ]
        )
    body += "<div>strategies</div>" + table(["strategy", "applies", "what it does to the conflicts"], rows)
    return wrap(head + body)


def merge_result(result: Mapping[str, Any]) -> str:
    """A merge: its plan, and the recorded version with its test results (or a dry run)."""
    out = merge_plan(result["plan"], result["strategy"])
    args = "".join(f", {k}={v}" for k, v in result["args"].items())
    if result["version"]:
        out += wrap(
            f'<div class="mgit-head">recorded {escape(result["version"])} ({escape(result["strategy"] + args)})</div>'
        )
        if result["tests"]:
            out += test_results(result["tests"])
    else:
        out += wrap('<div class="mgit-meta">dry run: nothing was recorded</div>')
    if result["problems"]:
        out += error(
            f"{result['strategy']} leaves {len(result['problems'])} parameters unresolved: "
            + ", ".join(result["problems"][:10]),
            "choose another strategy or resolve them with --take",
        )
    return out


def cascade(report: Mapping[str, Any]) -> str:
    """A cascade: each rebuilt descendant with its metrics before and after."""
    rows = []
    for e in report["entries"]:
        metrics = [
            (f"{t}.{m}", e["before"].get(t, {}).get(m), e["after"].get(t, {}).get(m))
            for t in sorted(set(e["before"]) | set(e["after"]))
            for m in sorted(set(e["before"].get(t, {})) | set(e["after"].get(t, {})))
        ] or [(e["reason"] or "-", None, None)]
        for i, (label, before, after) in enumerate(metrics):
            lead = [
                e["old"],
                e["new"] or "-",
                e["recipe"],
                cell(e["status"], cls="ok" if e["status"] == "updated" else ""),
            ]
            rows.append([*(lead if i == 0 else ["", "", "", ""]), label, num(before), num(after)])
    dry = " (dry run)" if report["dry_run"] else ""
    head = f'<div class="mgit-head">cascade {escape(report["old"])} → {escape(report["new"])}{dry}</div>'
    return wrap(head + table(["version", "rebuilt as", "recipe", "status", "metric / reason", "before", "after"], rows))
