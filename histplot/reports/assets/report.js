// index.html: sort the summary table (click a header), filter it by finding kind and by text, and
// open a run's full figure (SVG, stored gzip-compressed in the page and inflated on demand).
(function () {
  "use strict";
  var table = document.getElementById("runs");
  if (!table) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var text = document.getElementById("filter-text");
  var kind = document.getElementById("filter-kind");
  var shown = document.getElementById("shown");

  function cellValue(row, i, type) {
    var v = row.cells[i].getAttribute("data-v");
    if (v === null) v = row.cells[i].textContent.trim();
    if (type === "num") { var f = parseFloat(v); return isNaN(f) ? null : f; }
    return v.toLowerCase();
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
    var type = th.getAttribute("data-type");
    if (!type) return;
    th.tabIndex = 0;
    function sort() {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (o) { o.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var keyed = rows.map(function (r, k) { return [cellValue(r, i, type), k, r]; });
      keyed.sort(function (a, b) {
        if (a[0] === b[0]) return a[1] - b[1];
        if (a[0] === null || a[0] === "") return 1;   // empty cells last either way
        if (b[0] === null || b[0] === "") return -1;
        return (a[0] < b[0] ? -1 : 1) * (asc ? 1 : -1);
      });
      keyed.forEach(function (k) { body.appendChild(k[2]); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
  });

  function applyFilter() {
    var words = (text.value || "").toLowerCase().split(/\s+/).filter(Boolean);
    var want = kind.value;
    var n = 0;
    rows.forEach(function (r) {
      var hay = r.getAttribute("data-text");
      var kinds = (r.getAttribute("data-kinds") || "").split(" ");
      var ok = words.every(function (w) { return hay.indexOf(w) >= 0; }) &&
        (want === "" || kinds.indexOf(want) >= 0);
      r.hidden = !ok;
      var section = document.getElementById("run-" + r.getAttribute("data-slug"));
      if (section) section.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = n + " of " + rows.length + " runs shown";
    document.dispatchEvent(new CustomEvent("histplot-filter", { detail: { visible: visibleSlugs() } }));
  }
  function visibleSlugs() {
    return rows.filter(function (r) { return !r.hidden; }).map(function (r) { return r.getAttribute("data-slug"); });
  }
  text.addEventListener("input", applyFilter);
  kind.addEventListener("change", applyFilter);
  applyFilter();

  // Full figures on demand.
  var viewer = document.getElementById("viewer");
  var holder = viewer.querySelector(".figure");
  var title = viewer.querySelector("h2");
  function inflate(b64, mime) {
    var bytes = Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); });
    if (mime === "image/png") return Promise.resolve(bytes);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text();
  }
  function open(slug, label) {
    var store = document.getElementById("fig-" + slug);
    if (!store) return;
    title.textContent = label;
    holder.textContent = "loading…";
    if (typeof viewer.showModal === "function") viewer.showModal(); else viewer.setAttribute("open", "");
    var mime = store.getAttribute("data-mime");
    inflate(store.textContent.trim(), mime).then(function (data) {
      if (mime === "image/png") {
        var img = new Image();
        img.alt = label;
        img.src = URL.createObjectURL(new Blob([data], { type: "image/png" }));
        holder.textContent = "";
        holder.appendChild(img);
      } else {
        holder.innerHTML = data;   // histplot's own SVG, written by matplotlib: no script in it
      }
    }).catch(function (err) { holder.textContent = "could not open the figure: " + err; });
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-open]");
    if (b) { e.preventDefault(); open(b.getAttribute("data-open"), b.getAttribute("data-label") || ""); }
  });
  viewer.querySelector("button.close").addEventListener("click", function () { viewer.close(); });
})();
