/* The park map component (landplan/app/deckmap): pydeck's deck JSON drawn by the deck.gl
 * bundle pydeck ships (globals createDeck, updateDeck), with the planner's tools over it:
 * scale bar, north arrow, cursor coordinates in the workspace CRS, measuring a distance or
 * an area. Streamlit components v1 protocol by hand (postMessage). Every word comes from the
 * server (args.words, landplan/labels/maptools.yaml); numbers are written as labels.fmt
 * writes them (thousands separated, the unit's decimals from args.digits). */
(function () {
  "use strict";

  var SNAP_PX = 8;
  var MU_PER_M2 = 15 / 10000; // 1 亩 = 10000/15 m²
  var M_PER_PX_96DPI = 0.0254 / 96;

  var mapEl = document.getElementById("map");
  var deckEl = document.getElementById("deck");
  var svg = document.getElementById("measure-layer");
  var scaleBar = document.getElementById("scale-bar");
  var scaleLabel = document.getElementById("scale-label");
  var scaleRatio = document.getElementById("scale-ratio");
  var cursorEl = document.getElementById("cursor");
  var hintEl = document.getElementById("measure-hint");
  var resultEl = document.getElementById("measure-result");
  var northEl = document.getElementById("north");

  var S = {
    deck: null, args: null, specText: null, ivsText: null, spec: null, focusSeq: undefined,
    seq: 0, selection: { indices: {}, objects: {} }, mode: null, points: [], done: false,
    firstFrame: false, viewTimer: null, tooltip: null, down: null
  };

  function send(type, data) {
    var msg = { isStreamlitMessage: true, type: type };
    for (var k in data) msg[k] = data[k];
    window.parent.postMessage(msg, "*");
  }

  function words() { return (S.args && S.args.words) || {}; }
  function digits(unit) {
    var d = S.args && S.args.digits && S.args.digits[unit];
    return typeof d === "number" ? d : 2;
  }

  /* labels.fmt: thousands separated, d decimals, no "-0". */
  function num(x, d) {
    if (typeof x !== "number" || !isFinite(x)) return "\u2014";
    var s = x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
    if (s.charAt(0) === "-" && Number(s.replace(/,/g, "")) === 0) s = s.slice(1);
    return s;
  }

  function viewport() {
    var vps = S.deck && S.deck.getViewports ? S.deck.getViewports() : [];
    return vps && vps.length ? vps[0] : null;
  }

  function project(xy) {
    var vp = viewport();
    if (!vp) return null;
    var p = vp.project([xy[0], xy[1]]);
    return [p[0], p[1]];
  }

  function unproject(px) {
    var vp = viewport();
    if (!vp) return null;
    var p = vp.unproject([px[0], px[1]]);
    return [p[0], p[1]];
  }

  /* Screen pixels per metre, measured on the viewport (2^zoom in an OrthographicView). */
  function pixelsPerMetre(vp) {
    var c = vp.unproject([vp.width / 2, vp.height / 2]);
    var a = vp.project([c[0], c[1]]);
    var b = vp.project([c[0] + 100, c[1]]);
    return Math.abs(b[0] - a[0]) / 100;
  }

  function currentView() {
    var vp = viewport();
    if (!vp) return null;
    var a = vp.unproject([0, 0]);
    var b = vp.unproject([vp.width, vp.height]);
    var r = function (v) { return Math.round(v * 10) / 10; };
    return {
      bbox: [r(Math.min(a[0], b[0])), r(Math.min(a[1], b[1])), r(Math.max(a[0], b[0])),
             r(Math.max(a[1], b[1]))],
      zoom: Math.round(Math.log2(pixelsPerMetre(vp)) * 1e4) / 1e4,
      width_px: vp.width, height_px: vp.height
    };
  }

  function emit() {
    S.seq += 1;
    send("streamlit:setComponentValue", {
      value: { selection: S.selection, view: currentView(), seq: S.seq }, dataType: "json"
    });
  }

  /* ------------------------------------------------------------------ scale bar */
  function roundLength(ppm) {
    var best = null;
    var k = Math.floor(Math.log10(110 / ppm));
    for (var e = k - 1; e <= k + 1; e++) {
      [1, 2, 5].forEach(function (m) {
        var len = m * Math.pow(10, e);
        var px = len * ppm;
        if (!best || Math.abs(Math.log(px / 110)) < Math.abs(Math.log(best.px / 110))) {
          best = { len: len, px: px };
        }
      });
    }
    return best;
  }

  function lengthText(len) {
    var w = words();
    if (len >= 1000) {
      var km = len / 1000;
      return num(km, Number.isInteger(km) ? 0 : 1) + " " + w.unit_km;
    }
    var d = Number.isInteger(len) ? 0 : Math.min(3, Math.ceil(-Math.log10(len)));
    return num(len, d) + " " + w.unit_m;
  }

  function updateScale(vp) {
    var ppm = pixelsPerMetre(vp);
    if (!(ppm > 0) || !isFinite(ppm)) return;
    var best = roundLength(ppm);
    scaleBar.style.width = best.px.toFixed(2) + "px";
    scaleBar.dataset.metres = String(best.len);
    scaleLabel.textContent = lengthText(best.len);
    var n = 1 / ppm / M_PER_PX_96DPI;
    var step = Math.pow(10, Math.max(0, Math.floor(Math.log10(n)) - 2));
    scaleRatio.textContent = "1:" + num(Math.round(n / step) * step, 0);
    scaleRatio.title = words().scale_dpi || "";
  }

  /* ------------------------------------------------------------------ cursor */
  function showCursor(ev) {
    var rect = deckEl.getBoundingClientRect();
    var p = unproject([ev.clientX - rect.left, ev.clientY - rect.top]);
    if (!p) return;
    var o = S.args.origin;
    var d = digits("m");
    cursorEl.textContent = "X " + num(p[0] + o[0], d) + "  Y " + num(p[1] + o[1], d) + "  " +
      S.args.crs;
  }

  /* ------------------------------------------------------------------ measure */
  function ringsOf(p) {
    if (!Array.isArray(p) || !p.length) return [];
    return Array.isArray(p[0][0]) ? p : [p];
  }

  /* A ring drawn inset by d metres with mitred corners (landplan.app.map.inset) moved back
   * out: each vertex by d along both of its edges' outward normals (a hole's, into the hole). */
  function outset(ring, d, hole) {
    var n = ring.length;
    if (!(d > 0) || n < 3) return ring;
    var signed = 0;
    for (var i = 0; i < n; i++) {
      var a = ring[i], b = ring[(i + 1) % n];
      signed += a[0] * b[1] - b[0] * a[1];
    }
    var side = (signed > 0 ? 1 : -1) * (hole ? -1 : 1);
    var normals = ring.map(function (a, k) {
      var b = ring[(k + 1) % n];
      var len = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
      return [side * (b[1] - a[1]) / len, -side * (b[0] - a[0]) / len];
    });
    return ring.map(function (v, k) {
      var n1 = normals[(k + n - 1) % n], n2 = normals[k];
      var dot = 1 + n1[0] * n2[0] + n1[1] * n2[1];
      if (dot < 1e-6) return v;
      return [v[0] + d * (n1[0] + n2[0]) / dot, v[1] + d * (n1[1] + n2[1]) / dot];
    });
  }

  function snap(px) {
    var best = null;
    var picked = [];
    var d = (S.args && S.args.snap_outset_m) || 0;
    var vp = viewport();
    var radius = SNAP_PX + Math.ceil(2 * d * (vp ? pixelsPerMetre(vp) : 0));
    try {
      picked = S.deck.pickMultipleObjects({ x: px[0], y: px[1], radius: Math.min(radius, 60), depth: 8 });
    } catch (e) { picked = []; }
    picked.forEach(function (info) {
      var row = info && info.object;
      if (!row || !row.p || !info.layer || !info.layer.props.pickable) return;
      ringsOf(row.p).map(function (ring, k) { return outset(ring, d, k > 0); }).forEach(function (ring) {
        ring.forEach(function (v) {
          var q = project(v);
          var dist = Math.hypot(q[0] - px[0], q[1] - px[1]);
          if (dist <= SNAP_PX && (!best || dist < best.dist)) best = { xy: [v[0], v[1]], dist: dist };
        });
      });
    });
    return best ? { xy: best.xy, snapped: true } : { xy: unproject(px), snapped: false };
  }

  function pathLength(pts, closed) {
    var s = 0;
    for (var i = 1; i < pts.length; i++) s += Math.hypot(pts[i][0] - pts[i - 1][0], pts[i][1] - pts[i - 1][1]);
    if (closed && pts.length > 2) {
      var a = pts[pts.length - 1], b = pts[0];
      s += Math.hypot(b[0] - a[0], b[1] - a[1]);
    }
    return s;
  }

  /* Shoelace formula in local metres: the planar area in the workspace CRS. */
  function polygonArea(pts) {
    var s = 0;
    for (var i = 0; i < pts.length; i++) {
      var a = pts[i], b = pts[(i + 1) % pts.length];
      s += a[0] * b[1] - b[0] * a[1];
    }
    return Math.abs(s) / 2;
  }

  function showResult() {
    var w = words();
    var pts = S.points;
    if (!S.mode || !pts.length) { resultEl.textContent = ""; return; }
    if (S.mode === "distance") {
      resultEl.textContent = w.length + " " + num(pathLength(pts, false), digits("m")) + " " + w.unit_m;
    } else if (pts.length >= 3) {
      var a = polygonArea(pts);
      resultEl.textContent = w.area_result + " " + num(a, digits("m2")) + " " + w.unit_m2 +
        " = " + num(a * MU_PER_M2, digits("mu")) + " " + w.unit_mu;
      resultEl.dataset.m2 = String(a);
    } else {
      resultEl.textContent = "";
    }
    resultEl.dataset.done = S.done ? "1" : "0";
  }

  function drawMeasure() {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    if (!S.mode || !S.points.length || !viewport()) return;
    var screen = S.points.map(project);
    var ns = "http://www.w3.org/2000/svg";
    var closed = S.mode === "area" && (S.done || screen.length >= 3);
    var shape = document.createElementNS(ns, closed ? "polygon" : "polyline");
    shape.setAttribute("points", screen.map(function (q) { return q[0] + "," + q[1]; }).join(" "));
    svg.appendChild(shape);
    screen.forEach(function (q) {
      var c = document.createElementNS(ns, "circle");
      c.setAttribute("cx", q[0]); c.setAttribute("cy", q[1]); c.setAttribute("r", 3.5);
      svg.appendChild(c);
    });
  }

  function refreshMeasure() { drawMeasure(); showResult(); }

  function finish() {
    var pts = S.points;
    while (pts.length >= 2) {
      var a = project(pts[pts.length - 1]), b = project(pts[pts.length - 2]);
      if (Math.hypot(a[0] - b[0], a[1] - b[1]) < 4) pts.pop(); else break;
    }
    if (pts.length >= (S.mode === "area" ? 3 : 2)) S.done = true;
    refreshMeasure();
  }

  function measureClick(px) {
    if (S.done) { S.points = []; S.done = false; }
    if (S.mode === "area" && S.points.length >= 3) {
      var first = project(S.points[0]);
      if (Math.hypot(first[0] - px[0], first[1] - px[1]) <= SNAP_PX) { finish(); return; }
    }
    var p = snap(px);
    if (p.xy) S.points.push(p.xy);
    hintEl.textContent = words()["hint_" + S.mode] + (p.snapped ? " \u00b7 " + words().snapped : "");
    refreshMeasure();
  }

  function setMode(mode) {
    S.mode = mode === "clear" || mode === S.mode ? null : mode;
    S.points = [];
    S.done = false;
    document.querySelectorAll("#tools button").forEach(function (b) {
      b.classList.toggle("active", b.dataset.mode === S.mode);
    });
    hintEl.textContent = S.mode ? words()["hint_" + S.mode] : "";
    mapEl.style.cursor = S.mode ? "crosshair" : "";
    if (S.deck && S.spec) updateDeck({ views: viewsOf(S.spec) }, S.deck);
    refreshMeasure();
  }

  /* While measuring, a double-click finishes instead of zooming. */
  function viewsOf(spec) {
    return (spec.views || []).map(function (v) {
      var out = {};
      for (var k in v) out[k] = v[k];
      if (out.controller) out.controller = { doubleClickZoom: !S.mode };
      return out;
    });
  }

  /* ------------------------------------------------------------------ tooltip */
  /* As pydeck's own: {field} replaced by the picked row's value, the html set as it is (the
   * server escapes every value it puts in a row). */
  function getTooltip(info) {
    var t = S.tooltip;
    if (!t || S.mode || !info || !info.picked || !info.object) return null;
    var row = info.object;
    if (t === true) { // pydeck's default: every field as text (the polygon left out)
      return { text: Object.keys(row).filter(function (k) { return k !== "p"; })
        .map(function (k) { return k + ": " + row[k]; }).join("\n") };
    }
    var template = t.html || t.text || "";
    var text = template.replace(/\{([^}]*)\}/g, function (_, f) {
      var v = Object.prototype.hasOwnProperty.call(row, f) ? row[f]
        : row.properties && Object.prototype.hasOwnProperty.call(row.properties, f) ? row.properties[f]
          : undefined;
      return v === undefined || v === null ? "\u2014" : String(v);
    });
    var out = { style: t.style || {} };
    if (t.html) out.html = text; else out.text = text;
    return out;
  }

  /* ------------------------------------------------------------------ focus */
  function fit(bbox) {
    var w = deckEl.clientWidth || 600, h = deckEl.clientHeight || 400;
    var sx = Math.max(60, (bbox[2] - bbox[0]) * 1.2);
    var sy = Math.max(60, (bbox[3] - bbox[1]) * 1.2);
    var base = (S.spec && S.spec.initialViewState) || {};
    var zoom = Math.log2(Math.min(w / sx, h / sy));
    if (typeof base.maxZoom === "number") zoom = Math.min(zoom, base.maxZoom);
    if (typeof base.minZoom === "number") zoom = Math.max(zoom, base.minZoom);
    var ivs = {};
    for (var k in base) ivs[k] = base[k];
    ivs.target = [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2, 0];
    ivs.zoom = zoom;
    S.deck.setProps({ initialViewState: ivs });
  }

  /* ------------------------------------------------------------------ deck */
  function onViewStateChange() {
    if (!S.args || !S.args.report_view) return;
    clearTimeout(S.viewTimer);
    S.viewTimer = setTimeout(emit, 300);
  }

  function onAfterRender() {
    var vp = viewport();
    if (!vp) return;
    updateScale(vp);
    drawMeasure();
    if (!S.firstFrame) {
      S.firstFrame = true;
      window.landplanMap.firstFrame = performance.now();
      if (S.args.report_view) emit();
    }
  }

  function onClick(info) {
    if (S.mode) return;
    var sel = { indices: {}, objects: {} };
    if (info && info.picked && info.layer && info.object) {
      sel.indices[info.layer.id] = [info.index];
      sel.objects[info.layer.id] = [info.object];
    }
    S.selection = sel;
    emit();
  }

  function render(args) {
    S.args = args;
    S.seq = Math.max(S.seq, args.seq0 || 0);
    S.tooltip = args.tooltip || null;
    var w = words();
    document.querySelectorAll("#tools button").forEach(function (b) {
      b.textContent = w[b.dataset.mode];
    });
    northEl.title = w.north;
    northEl.querySelector("span").textContent = w.north_letter;
    document.getElementById("scale").title = w.scale;
    cursorEl.title = w.cursor;
    if (S.mode) hintEl.textContent = w["hint_" + S.mode];
    mapEl.style.height = args.height + "px";
    send("streamlit:setFrameHeight", { height: args.height });

    if (args.spec !== S.specText) {
      var spec = JSON.parse(args.spec);
      var ivsText = JSON.stringify(spec.initialViewState || null);
      S.specText = args.spec;
      S.spec = spec;
      var input = {};
      for (var k in spec) input[k] = spec[k];
      input.views = viewsOf(spec);
      if (!S.deck) {
        S.deck = createDeck({ container: deckEl, jsonInput: input, tooltip: null, showError: true });
        S.deck.setProps({
          onClick: onClick, onViewStateChange: onViewStateChange, onAfterRender: onAfterRender,
          getTooltip: getTooltip
        });
        window.landplanMap.deck = S.deck;
      } else {
        if (ivsText === S.ivsText) delete input.initialViewState; // keep the planner's view
        updateDeck(input, S.deck);
      }
      S.ivsText = ivsText;
    }
    var focus = args.focus;
    if (focus && focus.seq !== S.focusSeq) {
      S.focusSeq = focus.seq;
      fit(focus.bbox);
    }
    refreshMeasure();
  }

  /* ------------------------------------------------------------------ events */
  window.landplanMap = {
    deck: null, firstFrame: null, project: project, unproject: unproject,
    viewState: currentView,
    pixelsPerMetre: function () { var vp = viewport(); return vp ? pixelsPerMetre(vp) : null; }
  };

  deckEl.addEventListener("mousemove", function (ev) { if (S.args) showCursor(ev); });
  deckEl.addEventListener("mouseleave", function () { cursorEl.textContent = ""; });
  deckEl.addEventListener("mousedown", function (ev) { S.down = [ev.clientX, ev.clientY]; });
  deckEl.addEventListener("click", function (ev) {
    if (!S.mode || !S.deck) return;
    if (S.down && Math.hypot(ev.clientX - S.down[0], ev.clientY - S.down[1]) > 4) return; // a pan
    var rect = deckEl.getBoundingClientRect();
    measureClick([ev.clientX - rect.left, ev.clientY - rect.top]);
  });
  deckEl.addEventListener("dblclick", function () { if (S.mode && !S.done) finish(); });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && S.mode) { S.points = []; S.done = false; refreshMeasure(); }
  });
  document.querySelectorAll("#tools button").forEach(function (b) {
    b.addEventListener("click", function () { setMode(b.dataset.mode); });
  });

  window.addEventListener("message", function (ev) {
    var data = ev.data;
    if (!data || data.type !== "streamlit:render") return;
    try {
      render(data.args);
    } catch (e) {
      var pre = document.createElement("pre");
      pre.textContent = String(e && e.message || e);
      mapEl.appendChild(pre);
    }
  });
  send("streamlit:componentReady", { apiVersion: 1 });
})();
