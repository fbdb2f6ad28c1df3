/* alskg page script: side panel, legend with type filter, search, ranked paths, physics that stops.
   Everything is built with textContent (quotes are data, never HTML). window.alskg exposes state
   for the browser tests: ready (first draw done), settled (physics stopped), firstDrawMs. */
(function () {
  "use strict";
  var P = ALSKG_PAGE;
  var nodes = new vis.DataSet(ALSKG_NODES);
  var edges = new vis.DataSet(ALSKG_EDGES);
  var container = document.getElementById("mynetwork");
  var status = document.getElementById("status");
  var state = { ready: false, settled: false, firstDrawMs: null, pinned: false, nodes: nodes, edges: edges };
  window.alskg = state;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function kv(parent, key, value) {
    if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) return;
    var p = el("div", "kv");
    p.appendChild(el("b", null, key + ": "));
    p.appendChild(document.createTextNode(Array.isArray(value) ? value.join(", ") : String(value)));
    parent.appendChild(p);
  }
  function label(id) { var n = nodes.get(id); return n ? n.label : id; }
  function relText(e) {
    var p = e.kind === "negated" ? "NOT " + e.d.predicate : e.d.predicate;
    return label(e.from) + " \u2014" + p + "\u2192 " + label(e.to);
  }
  function claimBox(c, negated) {
    var box = el("div", negated ? "claim negated" : "claim");
    box.dataset.claim = c.id;
    box.appendChild(el("div", "doc", c.document + (c.doc_title ? " \u2014 " + c.doc_title : "")));
    var q = el("blockquote", "quote", "\u300c" + c.quote + "\u300d");
    q.lang = "ja";
    box.appendChild(q);
    box.appendChild(el("div", "summary", c.summary));
    if (c.numbers && c.numbers.length) {
      var ul = el("ul", "numbers");
      c.numbers.forEach(function (n) { ul.appendChild(el("li", null, n)); });
      box.appendChild(ul);
    }
    if (c.context) box.appendChild(el("div", "context", "context: " + c.context));
    var meta = ["certainty: " + c.certainty, "evidence: " + c.evidence, "status: " + c.status];
    if (c.certainty === "hypothesis" || c.certainty === "interpretation") box.classList.add("hedged");
    if (c.model) meta.push("model: " + c.model);
    if (c.species) meta.push("species: " + c.species);
    if (negated) meta.unshift("NEGATED");
    box.appendChild(el("div", "meta", meta.join(" \u00b7 ")));
    return box;
  }
  function edgeClaims(parent, e) {
    var head = el("div", "rel", relText(e));
    head.dataset.edge = e.id;
    parent.appendChild(head);
    if (!e.d.claims.length) {
      parent.appendChild(el("div", "hint", "From the entity registry (gene \u2192 variant / product); no quote of its own."));
    }
    e.d.claims.forEach(function (c) { parent.appendChild(claimBox(c, e.kind === "negated")); });
  }
  var details = document.getElementById("details");
  function showNode(id) {
    var n = nodes.get(id);
    if (!n) return;
    details.replaceChildren();
    details.dataset.node = id;
    delete details.dataset.edge;
    details.appendChild(el("h2", null, n.label));
    kv(details, "English", n.d.label_en);
    kv(details, "\u65e5\u672c\u8a9e", n.d.labels_ja.length ? n.d.labels_ja : n.d.label_ja);
    kv(details, "id", id);
    kv(details, "type", n.d.type);
    kv(details, "synonyms", n.d.synonyms);
    kv(details, "xrefs", n.d.xrefs);
    kv(details, "note", n.d.note);
    var rel = edges.get({ filter: function (e) { return e.from === id || e.to === id; } });
    details.appendChild(el("h3", null, "Relations in this view (" + rel.length + ")"));
    rel.forEach(function (e) { edgeClaims(details, e); });
  }
  function showEdge(id) {
    var e = edges.get(id);
    if (!e) return;
    details.replaceChildren();
    details.dataset.edge = id;
    delete details.dataset.node;
    details.appendChild(el("h2", null, relText(e)));
    kv(details, "predicate", e.d.predicate);
    kv(details, "from", e.from + " (" + label(e.from) + ")");
    kv(details, "to", e.to + " (" + label(e.to) + ")");
    kv(details, "kind", e.kind === "negated" ? "negated claim (the document says this did NOT happen)" : e.kind);
    details.appendChild(el("h3", null, e.d.claims.length + " supporting claim(s)"));
    edgeClaims(details, e);
  }

  // ---- notes, paths and legend
  var notes = document.getElementById("notes");
  P.notes.forEach(function (t) { notes.appendChild(el("div", "note", t)); });
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, ALSKG_OPTIONS);
  state.network = network;

  if (P.paths.length) {
    var sec = document.getElementById("paths");
    sec.appendChild(el("h2", null, "Ranked paths"));
    var ol = el("ol");
    P.paths.forEach(function (p) {
      var li = el("li", null, p.text + "  (score " + p.score.toPrecision(2) + ", " + p.evidence + " claims)");
      li.addEventListener("click", function () {
        Array.prototype.forEach.call(ol.children, function (x) { x.classList.remove("active"); });
        li.classList.add("active");
        var ids = p.edges.map(function (e) { return e[0] + "|" + e[2] + "|" + e[1]; });
        network.setSelection({ nodes: p.nodes, edges: ids }, { highlightEdges: false });
        details.replaceChildren();
        details.appendChild(el("h2", null, "Path " + p.rank + ": " + p.text));
        ids.forEach(function (id) { var e = edges.get(id); if (e) edgeClaims(details, e); });
        state.pinned = true;
      });
      ol.appendChild(li);
    });
    sec.appendChild(ol);
  }

  var legend = document.getElementById("legend");
  legend.appendChild(el("h2", null, "Legend"));
  legend.appendChild(el("div", "hint", "Colour and shape: entity type (untick to hide). Size: number of neighbours."));
  P.legend.forEach(function (t) {
    var row = el("label", "legend-row");
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.dataset.type = t.type;
    box.addEventListener("change", function () { setTypeVisible(t.type, box.checked); });
    var sw = el("span", "swatch");
    sw.style.background = t.color;
    row.appendChild(box);
    row.appendChild(sw);
    row.appendChild(document.createTextNode(t.type + " (" + t.count + ", " + t.shape + ")"));
    legend.appendChild(row);
  });
  P.edge_legend.forEach(function (k) {
    var row = el("div", "legend-row");
    var line = el("span", "line");
    line.style.borderTopStyle = k.dashes ? "dashed" : "solid";
    line.style.borderTopColor = k.color;
    row.appendChild(line);
    row.appendChild(document.createTextNode("\u2192 " + k.legend));
    legend.appendChild(row);
  });

  function setTypeVisible(type, visible) {
    var ids = nodes.getIds({ filter: function (n) { return n.type === type; } });
    var set = new Set(ids);
    nodes.update(ids.map(function (id) { return { id: id, hidden: !visible }; }));
    var hiddenTypes = new Set();
    legend.querySelectorAll("input[data-type]").forEach(function (b) { if (!b.checked) hiddenTypes.add(b.dataset.type); });
    var touched = edges.get({ filter: function (e) { return set.has(e.from) || set.has(e.to); } });
    edges.update(touched.map(function (e) {
      var hide = hiddenTypes.has(nodes.get(e.from).type) || hiddenTypes.has(nodes.get(e.to).type);
      return { id: e.id, hidden: hide };
    }));
  }

  // ---- search
  var search = document.getElementById("search");
  var searchCount = document.getElementById("search-count");
  function matches(q) {
    q = q.trim().toLowerCase();
    if (!q) return [];
    return nodes.getIds({ filter: function (n) {
      var names = [n.id, n.label, n.d.label_en, n.d.label_ja].concat(n.d.labels_ja, n.d.synonyms);
      return names.some(function (s) { return s && String(s).toLowerCase().indexOf(q) >= 0; });
    } });
  }
  function runSearch(jump) {
    var ids = matches(search.value);
    searchCount.textContent = search.value.trim() ? ids.length + " match" + (ids.length === 1 ? "" : "es") : "";
    network.selectNodes(ids, false);
    if (jump && ids.length) {
      network.focus(ids[0], { scale: 1.2, animation: false });
      showNode(ids[0]);
      state.pinned = true;
    }
  }
  search.addEventListener("input", function () { runSearch(false); });
  search.addEventListener("keydown", function (ev) { if (ev.key === "Enter") runSearch(true); });

  // ---- interaction: hover shows, click pins
  network.on("hoverNode", function (p) { if (!state.pinned) showNode(p.node); });
  network.on("hoverEdge", function (p) { if (!state.pinned) showEdge(p.edge); });
  network.on("click", function (p) {
    if (p.nodes.length) { showNode(p.nodes[0]); state.pinned = true; }
    else if (p.edges.length) { showEdge(p.edges[0]); state.pinned = true; }
    else { state.pinned = false; }
  });

  // ---- physics: a bounded settling run, then off for good
  var counts = P.counts.nodes + " entities \u00b7 " + P.counts.edges + " relations" +
    (P.counts.negated ? " \u00b7 " + P.counts.negated + " negated" : "");
  status.textContent = counts + " \u00b7 laying out\u2026";
  function stopPhysics() {
    if (state.settled) return;
    state.settled = true;
    network.setOptions({ physics: { enabled: false } });
    status.textContent = counts;
    document.body.dataset.settled = "1";
  }
  network.on("stabilizationProgress", function (p) {
    status.textContent = counts + " \u00b7 laying out " + Math.round(100 * p.iterations / p.total) + "%";
  });
  network.once("stabilizationIterationsDone", stopPhysics);
  network.once("stabilized", stopPhysics);
  network.once("afterDrawing", function () {
    state.ready = true;
    state.firstDrawMs = performance.now();
    document.body.dataset.ready = "1";
    if (!ALSKG_OPTIONS.physics.enabled) stopPhysics();
  });
  setTimeout(stopPhysics, 20000);
})();
