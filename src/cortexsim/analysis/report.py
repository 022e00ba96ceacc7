"""HTML report of an analysed run.

The report is one self-contained HTML file (inline CSS, no scripts); the figures are PNG files in
the same directory, linked by relative name.  :func:`run_facts` condenses ``run_stats.json`` into
the facts shown (and stored in ``stats.json``).
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["run_facts", "render_report", "write_report"]

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:80em}
table{border-collapse:collapse;margin:0.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:0.25em 0.6em;text-align:right}
th{background:#f0f0f0} td.l,th.l{text-align:left}
.bad{color:#b00;font-weight:bold} .ok{color:#070}
img{max-width:100%;border:1px solid #ddd;margin:0.5em 0}
"""


def _matrix_total(m: Any) -> int | None:
    return sum(sum(row) for row in m) if isinstance(m, list) else None


def run_facts(run_stats: Mapping[str, Any]) -> dict[str, Any]:
    """The run facts of ``run_stats.json`` shown in the report; ``spikes_conserved_checked`` is
    recomputed here (sent matrix == received matrix) next to the value the run claimed."""
    spikes = run_stats.get("spikes") or {}
    sent, received = spikes.get("sent"), spikes.get("received")
    checked = (sent == received) if sent is not None and received is not None else None
    keys = ("model", "t_stop_ms", "dt_ms", "seed", "n_ranks", "n_partitions", "threads_per_rank",
            "lookahead_ms", "exchange_steps", "rtf", "wall_time_s", "reference_rates")
    facts = {k: run_stats.get(k) for k in keys}
    facts.update({
        "spikes_sent_total": _matrix_total(sent),
        "spikes_received_total": _matrix_total(received),
        "spikes_sent": sent, "spikes_received": received,
        "spikes_conserved_claimed": spikes.get("conserved"),
        "spikes_conserved_checked": checked,
        "ranks": run_stats.get("ranks"),
    })
    return facts


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "&mdash;"
    if isinstance(v, bool):
        return "yes" if v else "<span class='bad'>NO</span>"
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e9:
            return str(int(v))
        return f"{v:.{digits}g}"
    return html.escape(str(v))


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    def cell(tag: str, i: int, v: str) -> str:
        return f"<{tag}{' class=l' if i < left else ''}>{v}</{tag}>"
    head = "".join(cell("th", i, html.escape(h)) for i, h in enumerate(header))
    body = "\n".join("<tr>" + "".join(cell("td", i, v) for i, v in enumerate(r)) + "</tr>"
                     for r in rows)
    return f"<table>\n<tr>{head}</tr>\n{body}\n</table>"


def _ref_cell(entry: Mapping[str, Any] | None) -> str:
    if not entry or entry.get("rate_hz") is None:
        return "&mdash;"
    dev = entry.get("deviation")
    dev_s = "" if dev is None else f" ({dev * 100:+.1f}%)"
    return f"{_fmt(entry['rate_hz'])}{dev_s}"


def _population_table(stats: Mapping[str, Any]) -> str:
    sources = (stats.get("reference") or {}).get("sources", [])
    header = ["population", "size", "recorded", "spikes", "rate (Hz)", "rate SD (Hz)",
              "CV ISI", "synchrony", "pairwise corr"] + [f"{s} (Hz, dev)" for s in sources]
    rows = []
    for name, p in stats["populations"].items():
        refs = p.get("reference") or {}
        rows.append([html.escape(name), _fmt(p.get("size")), _fmt(p["n_recorded"]),
                     _fmt(p["n_spikes"]), _fmt(p["rate_hz"]), _fmt(p["rate_std_hz"]),
                     _fmt(p["cv_isi"]), _fmt(p["synchrony"]), _fmt(p["pairwise_corr"])]
                    + [_ref_cell(refs.get(s)) for s in sources])
    return _table(header, rows)


def _facts_table(f: Mapping[str, Any]) -> str:
    rows = [["ranks", _fmt(f["n_ranks"])], ["partitions", _fmt(f["n_partitions"])],
            ["threads per rank", _fmt(f["threads_per_rank"])],
            ["lookahead (ms)", _fmt(f["lookahead_ms"])],
            ["exchange steps", _fmt(f["exchange_steps"])],
            ["real-time factor (RTF)", _fmt(f["rtf"])]]
    for phase, secs in (f.get("wall_time_s") or {}).items():
        rows.append([f"wall time {html.escape(phase)} (s)", _fmt(secs)])
    rows += [["spikes sent (total)", _fmt(f["spikes_sent_total"])],
             ["spikes received (total)", _fmt(f["spikes_received_total"])],
             ["spikes conserved (run claims)", _fmt(f["spikes_conserved_claimed"])],
             ["spikes conserved (sent == received, checked)",
              _fmt(f["spikes_conserved_checked"])]]
    return _table(["fact", "value"], rows)


def _ranks_table(ranks: Any) -> str:
    if not isinstance(ranks, list) or not ranks or not all(isinstance(r, dict) for r in ranks):
        return ""
    phases = sorted({k for r in ranks for k in (r.get("wall_time_s") or {})})
    header = ["rank", "local cells", "proxies", "local edges"] + [f"{p} (s)" for p in phases]
    rows = [[_fmt(r.get("rank")), _fmt(r.get("n_local_cells")), _fmt(r.get("n_proxies")),
             _fmt(r.get("n_local_edges"))]
            + [_fmt((r.get("wall_time_s") or {}).get(p)) for p in phases] for r in ranks]
    return "<h2>Per rank</h2>\n" + _table(header, rows)


def _matrix_table(title: str, m: Any) -> str:
    if not isinstance(m, list) or not m or len(m) > 32:
        return ""
    header = ["from \\ to"] + [str(j) for j in range(len(m[0]))]
    return f"<h3>{html.escape(title)}</h3>\n" + _table(
        header, [[str(i)] + [_fmt(x) for x in row] for i, row in enumerate(m)])


def _fabric_section(fabric: Mapping[str, Any] | None) -> str:
    if not fabric:
        return ""
    p = fabric["profile"]
    rows = [["profile", html.escape(str(p["name"]))], ["topology", f"{p['topology']} {p['shape']}"],
            ["acceleration", _fmt(p["acceleration"])], ["mode", str(p["mode"])],
            ["multicast", str(p["multicast"])], ["link traversals", _fmt(fabric["link_traversals"])],
            ["mean hops", _fmt(fabric["mean_hops"])], ["mean latency (ns, hardware)", _fmt(fabric["mean_latency_ns"])],
            ["max link utilisation", _fmt(fabric["max_link_utilisation"])],
            ["queueing delay mean / max (ms)", f"{_fmt(fabric['queueing_delay_ms']['mean'])} / "
                                              f"{_fmt(fabric['queueing_delay_ms']['max'])}"],
            ["dropped spike copies", _fmt(fabric["drops"])]]
    return (f"<h2>Interconnect</h2>\n<p><b>{html.escape(fabric['verdict'])}</b></p>\n"
            + _table(["quantity", "value"], rows))


def render_report(stats: Mapping[str, Any], figures: Mapping[str, str]) -> str:
    """HTML text of the report; ``figures`` maps caption -> relative PNG file name."""
    f = stats["run"]
    w0, w1 = stats["window_ms"]
    ref = stats.get("reference")
    ref_html = ""
    if ref:
        notes = "<br>".join(html.escape(c) for c in ref.get("comments", []))
        ref_html = (f"<p>Reference: <b>{html.escape(ref['name'])}</b>; deviation = "
                    f"(ours &minus; reference) / reference.<br><small>{notes}</small></p>")
    figs = "\n".join(f"<figure><img src='{html.escape(src)}' alt='{html.escape(cap)}'>"
                     f"<figcaption>{html.escape(cap)}</figcaption></figure>"
                     for cap, src in figures.items())
    title = f"cortexsim analysis: {f.get('model') or 'run'}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{_CSS}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Run directory: <code>{html.escape(str(stats.get('run_dir', '')))}</code>;
model time {_fmt(f.get('t_stop_ms'))} ms, dt {_fmt(f.get('dt_ms'))} ms, seed {_fmt(f.get('seed'))}.
Analysis window {w0:g}&ndash;{w1:g} ms; synchrony = Var/Mean of the population spike count in
{stats['params']['synchrony_bin_ms']:g} ms bins (subsample of up to
{_fmt(stats['params']['synchrony_cells'])} cells); CV of ISI over cells with at least
{stats['params']['min_spikes']} spikes.</p>
<h2>Populations</h2>
{ref_html}
{_population_table(stats)}
<h2>Run</h2>
{_facts_table(f)}
{_ranks_table(f.get('ranks'))}
{_matrix_table('Spikes sent (rank i to rank j)', f.get('spikes_sent'))}
{_matrix_table('Spikes received (rank j from rank i)', f.get('spikes_received'))}
{_fabric_section(stats.get('fabric'))}
<h2>Figures</h2>
{figs}
</body></html>
"""


def write_report(path: Path, stats: Mapping[str, Any], figures: Mapping[str, str]) -> Path:
    """Render and write the report atomically (temporary name, then rename)."""
    path = Path(path)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(render_report(stats, figures), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
