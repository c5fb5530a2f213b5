// index.html: interactive parallel coordinates in plain SVG. One line per run (hyperparameters, best
// values, epochs) or per epoch of one run; drag vertically on an axis to brush it: lines outside
// every brush turn grey. A click without a drag clears that axis' brush.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var store = document.getElementById("histplot-data");
  var svg = document.getElementById("pc");
  var pick = document.getElementById("pc-view");
  var status = document.getElementById("pc-status");
  if (!store || !svg || !pick) return;
  var data = JSON.parse(store.textContent);
  var visibleRuns = null;   // slugs the table filter leaves, or null for all
  var TOP = 34, BOTTOM = 26, HEIGHT = 380, SIDE = 70, MAX_METRIC_AXES = 8;
  var state = null;

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function isNum(v) { return typeof v === "number" && isFinite(v); }

  function makeAxis(name, values) {
    var present = values.filter(function (v) { return v !== null && v !== undefined; });
    if (!present.length) return null;
    var ax = { name: name, values: values };
    if (present.every(isNum)) {
      ax.type = "num";
      ax.min = Math.min.apply(null, present); ax.max = Math.max.apply(null, present);
      ax.log = ax.min > 0 && ax.max / ax.min > 1000;
    } else {
      ax.type = "cat";
      ax.cats = present.map(String).filter(function (v, i, a) { return a.indexOf(v) === i; }).sort();
    }
    return ax;
  }
  function frac(ax, v) {   // 0 at the bottom, 1 at the top; null when there is no value
    if (v === null || v === undefined) return null;
    if (ax.type === "cat") return ax.cats.length < 2 ? 0.5 : ax.cats.indexOf(String(v)) / (ax.cats.length - 1);
    if (ax.max === ax.min) return 0.5;
    if (ax.log) return (Math.log(v) - Math.log(ax.min)) / (Math.log(ax.max) - Math.log(ax.min));
    return (v - ax.min) / (ax.max - ax.min);
  }
  function label(ax, f) {
    if (ax.type === "cat") return "";
    var v = ax.log ? Math.exp(Math.log(ax.min) + f * (Math.log(ax.max) - Math.log(ax.min))) : ax.min + f * (ax.max - ax.min);
    return Number(v.toPrecision(4)).toString();
  }

  function runsView() {
    var runs = data.runs.filter(function (r) { return !r.error; });
    var names = [];
    function add(n) { if (names.indexOf(n) < 0) names.push(n); }
    runs.forEach(function (r) { Object.keys(r.params || {}).forEach(add); });
    // The metrics most runs have, at most MAX_METRIC_AXES of them, in the runs' column order.
    var tally = {}, order = [];
    runs.forEach(function (r) {
      Object.keys(r.metrics || {}).forEach(function (c) {
        if (!(c in tally)) { tally[c] = 0; order.push(c); }
        tally[c]++;
      });
    });
    var kept = order.slice().sort(function (a, b) { return tally[b] - tally[a] || order.indexOf(a) - order.indexOf(b); })
      .slice(0, MAX_METRIC_AXES);
    order.filter(function (c) { return kept.indexOf(c) >= 0; }).forEach(function (c) { add("best " + c); });
    add("epochs");
    var axes = names.map(function (n) {
      return makeAxis(n, runs.map(function (r) {
        if (n === "epochs") return r.epochs;
        if (n.indexOf("best ") === 0 && r.metrics && r.metrics[n.slice(5)]) return r.metrics[n.slice(5)].best;
        return r.params && n in r.params ? r.params[n] : null;
      }));
    }).filter(Boolean);
    return { axes: axes, keys: runs.map(function (r) { return r.slug; }), titles: runs.map(function (r) { return r.label; }) };
  }
  function epochView(slug) {
    var run = data.runs.filter(function (r) { return r.slug === slug; })[0];
    var s = run.series || {};
    var axes = Object.keys(s).map(function (c) { return makeAxis(c, s[c]); }).filter(Boolean);
    var n = (s.epoch || []).length;
    var keys = [], titles = [];
    for (var i = 0; i < n; i++) { keys.push(null); titles.push("epoch " + s.epoch[i]); }
    return { axes: axes, keys: keys, titles: titles };
  }

  function colour(f) {   // dark blue (low) to yellow (high) along the last axis
    if (f === null) return "#888";
    var h = 250 - 190 * f, l = 30 + 25 * f;
    return "hsl(" + h.toFixed(0) + ",70%," + l.toFixed(0) + "%)";
  }

  function draw() {
    var view = pick.value === "" ? runsView() : epochView(pick.value);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var n = view.axes.length;
    var box = svg.parentNode.clientWidth || 800;
    var width = Math.max(box, SIDE * 2 + (n - 1) * 110);   // wider than the page: #pc-box scrolls
    svg.setAttribute("viewBox", "0 0 " + width + " " + HEIGHT);
    svg.setAttribute("width", width);
    svg.setAttribute("height", HEIGHT);
    var gap = n > 1 ? (width - 2 * SIDE) / (n - 1) : 0;
    var h = HEIGHT - TOP - BOTTOM;
    state = { view: view, x: [], h: h, brushes: {}, lines: [] };
    if (n < 2) {
      el("text", { x: 20, y: 40 }, svg).textContent = "Not enough series with values for parallel coordinates.";
      status.textContent = "";
      return;
    }
    // Colour by the monitored-like axis most lines have a value on (else the last axis).
    var last = view.axes[n - 1], most = -1;
    view.axes.forEach(function (ax) {
      var k = ax.values.filter(function (v) { return v !== null && v !== undefined; }).length;
      var preferred = /val_loss|^val_|loss$/.test(ax.name) && ax.name !== "epoch";
      if (preferred && k > most) { last = ax; most = k; }
    });
    var lineLayer = el("g", { "class": "lines" }, svg);
    view.keys.forEach(function (key, i) {
      var d = "", pen = "M";
      view.axes.forEach(function (ax, a) {
        var f = frac(ax, ax.values[i]);
        if (f === null) { pen = "M"; return; }
        d += pen + (SIDE + a * gap).toFixed(1) + "," + (TOP + (1 - f) * h).toFixed(1);
        pen = "L";
      });
      var p = el("path", { d: d, "class": "line", stroke: colour(frac(last, last.values[i])) }, lineLayer);
      el("title", {}, p).textContent = view.titles[i];
      p.setAttribute("data-key", key === null ? "" : key);
      state.lines.push(p);
    });
    view.axes.forEach(function (ax, a) {
      var x = SIDE + a * gap;
      state.x.push(x);
      var g = el("g", { "class": "axis", "data-axis": ax.name }, svg);
      el("line", { x1: x, x2: x, y1: TOP, y2: TOP + h }, g);
      var t = el("text", { x: x, y: TOP - 16, "text-anchor": "middle", "font-weight": "bold" }, g);
      t.textContent = ax.name.length > 22 ? ax.name.slice(0, 21) + "…" : ax.name;
      el("title", {}, t).textContent = ax.name;
      if (ax.type === "cat") {
        ax.cats.forEach(function (c) {
          var f = frac(ax, c);
          el("text", { x: x - 5, y: TOP + (1 - f) * h + 4, "text-anchor": "end" }, g).textContent = c.length > 12 ? c.slice(0, 11) + "…" : c;
        });
      } else {
        [0, 0.5, 1].forEach(function (f) {
          el("text", { x: x - 5, y: TOP + (1 - f) * h + 4, "text-anchor": "end" }, g).textContent = label(ax, f);
        });
      }
      var area = el("rect", { "class": "brush-area", x: x - 14, y: TOP - 4, width: 28, height: h + 8, "data-axis-index": a }, g);
      area.addEventListener("pointerdown", function (e) { startBrush(e, a); });
    });
    update();
  }

  function localY(e) {
    var pt = svg.createSVGPoint();
    pt.x = e.clientX; pt.y = e.clientY;
    return pt.matrixTransform(svg.getScreenCTM().inverse()).y;
  }
  function startBrush(e, a) {
    e.preventDefault();
    var y0 = Math.max(TOP, Math.min(TOP + state.h, localY(e)));
    var rect = null, moved = false;
    function move(ev) {
      var y1 = Math.max(TOP, Math.min(TOP + state.h, localY(ev)));
      if (Math.abs(y1 - y0) < 3 && !moved) return;
      moved = true;
      if (state.brushes[a] && state.brushes[a].rect) svg.removeChild(state.brushes[a].rect);
      if (!rect) rect = el("rect", { "class": "brush", x: state.x[a] - 10, width: 20 }, svg);
      rect.setAttribute("y", Math.min(y0, y1)); rect.setAttribute("height", Math.abs(y1 - y0));
      state.brushes[a] = { lo: Math.min(y0, y1), hi: Math.max(y0, y1), rect: rect };
      update();
    }
    function up() {
      document.removeEventListener("pointermove", move);
      document.removeEventListener("pointerup", up);
      if (!moved && state.brushes[a]) {   // a click clears this axis' brush
        if (state.brushes[a].rect) svg.removeChild(state.brushes[a].rect);
        delete state.brushes[a];
        update();
      }
    }
    document.addEventListener("pointermove", move);
    document.addEventListener("pointerup", up);
  }

  function update() {
    var view = state.view, on = 0, total = 0;
    view.keys.forEach(function (key, i) {
      var p = state.lines[i];
      var hidden = key !== null && visibleRuns !== null && visibleRuns.indexOf(key) < 0;
      p.style.display = hidden ? "none" : "";
      if (hidden) return;
      total++;
      var ok = Object.keys(state.brushes).every(function (a) {
        var ax = view.axes[a], f = frac(ax, ax.values[i]);
        if (f === null) return false;
        var y = TOP + (1 - f) * state.h;
        return y >= state.brushes[a].lo - 0.5 && y <= state.brushes[a].hi + 0.5;
      });
      p.classList.toggle("off", !ok);
      if (ok) { on++; p.parentNode.appendChild(p); }   // highlighted lines drawn on top
    });
    svg.setAttribute("data-highlighted", on);
    svg.setAttribute("data-lines", total);
    var brushed = Object.keys(state.brushes).length;
    status.textContent = on + " of " + total + (pick.value === "" ? " runs" : " epochs") + " highlighted" +
      (brushed ? " (" + brushed + " axis brush" + (brushed > 1 ? "es" : "") + "; click an axis to clear it)" : " (drag on an axis to brush)");
  }

  document.addEventListener("histplot-filter", function (e) {
    visibleRuns = e.detail.visible;
    if (state && pick.value === "") update();
  });
  pick.addEventListener("change", draw);
  draw();
})();
