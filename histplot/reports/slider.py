"""index.html's epoch slider: every epoch's confusion matrix as inline data and a few lines of script
that redraw one HTML table, so the page needs no server and no CDN."""

from __future__ import annotations

import html
import json

from ..history import MatrixSeries

MAX_CELLS = 250_000  # numbers inlined per run: a page of a few MB at most

_SCRIPT = """<script>(function(){var d=JSON.parse(document.getElementById("%(id)s-data").textContent);
var r=document.getElementById("%(id)s-range"),o=document.getElementById("%(id)s-epoch"),
t=document.getElementById("%(id)s-table");function draw(){var i=+r.value,m=d.counts[i],s="<tr><th>true \\\\ pred</th>";
o.textContent=d.epochs[i];d.classes.forEach(function(c){s+="<th>"+c+"</th>"});s+="</tr>";
m.forEach(function(row,a){var n=row.reduce(function(x,y){return x+y},0);s+="<tr><th>"+d.classes[a]+"</th>";
row.forEach(function(v,b){var f=n?v/n:0,bg="rgba(8,81,156,"+f.toFixed(3)+")";
s+="<td style='background:"+bg+";color:"+(f>.6?"#fff":"#000")+(a==b?";outline:2px solid #e6550d":"")+"'>"+v+"</td>"});
s+="</tr>"});t.innerHTML=s}r.addEventListener("input",draw);draw()})();</script>"""


def slider_html(split: str, m: MatrixSeries, slug: str) -> str:
    """The slider for one split's matrices; empty when they are too many numbers to inline."""
    if m.counts.size > MAX_CELLS:
        return ""
    ident = "cm-" + "".join(c if c.isalnum() else "-" for c in slug)
    classes = [html.escape(c) for c in (m.classes or [str(k) for k in range(m.k)])]
    counts = [[[int(v) if float(v).is_integer() else float(v) for v in row] for row in mat] for mat in m.counts]
    data = json.dumps({"epochs": m.epochs.tolist(), "classes": classes, "counts": counts}, separators=(",", ":"))
    data = data.replace("</", "<\\/")  # a class name cannot close the script element
    last = len(m.epochs) - 1
    return (
        f'<div class="slider"><p>{html.escape(split)} confusion matrix at epoch <strong id="{ident}-epoch">'
        f'{int(m.epochs[last])}</strong> <input type="range" id="{ident}-range" min="0" max="{last}" value="{last}" '
        f'aria-label="epoch"> (cells shaded by share of the true class)</p><table id="{ident}-table"></table>'
        f'<script type="application/json" id="{ident}-data">{data}</script>\n' + _SCRIPT % {"id": ident} + "</div>"
    )


__all__ = ["slider_html"]
