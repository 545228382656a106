/* Recdesk layout editor: arrange a ZEGO mixed-stream layout on a canvas.
 *
 * No build step and CSP-safe: no inline handlers, no style attributes in HTML; every position is
 * set through element.style from this file. Data comes from a json_script block.
 * Coordinates are ZEGO's: output pixels, origin top-left, tiles as Left/Top/Right/Bottom (§4.1).
 * The server validates again (it is the authority); this file gives quick feedback.
 */
(function () {
  "use strict";

  var MAX_TILES = 25;
  var MAX_COORD = 1920;
  var MIN_SIDE = 8; // the server's MIN_TILE_SIDE
  var DRAG_MIN_SIDE = 16;
  var SNAP_SCREEN_PX = 7;
  var MODE_NAMES = { 1: "Custom", 2: "Grid", 3: "Horizontal", 4: "Vertical", 5: "Floating" };
  // The emulator paints stream n in colour n (zego_emulator/media.py STREAM_COLOURS); tiles use
  // the same palette so the editor looks like the recording.
  var PALETTE = [
    [230, 25, 75], [60, 180, 75], [0, 90, 230], [255, 225, 25], [245, 130, 48], [145, 30, 180],
    [70, 240, 240], [240, 50, 230], [128, 128, 0], [0, 128, 128], [150, 90, 30], [128, 0, 0],
    [0, 0, 128], [250, 190, 212], [170, 255, 195], [128, 128, 128],
  ];

  // ------------------------------------------------------------------ template geometry
  // ZEGO documents modes 2–5 only as pictures; these follow the emulator's reading of them
  // (zego_emulator/layout.py), operation for operation so the floats round the same way.

  function roundHalfEven(x) {
    var r = Math.round(x);
    if (Math.abs(x % 1) === 0.5 && r % 2 !== 0) r -= 1;
    return r;
  }
  function even(v) { return 2 * roundHalfEven(v / 2); }
  function mk(l, t, r, b, stream, fill, layer) {
    return { stream_id: stream, left: even(l), top: even(t), right: even(r), bottom: even(b),
      layer: layer || 0, fill_mode: fill };
  }

  function gridTiles(streams, W, H, fill) {
    var n = streams.length;
    if (!n) return [];
    var cols = Math.ceil(Math.sqrt(n));
    var rows = Math.ceil(n / cols);
    return streams.map(function (sid, position) {
      var row = Math.floor(position / cols), col = position % cols;
      var inRow = Math.min(cols, n - row * cols);
      var shift = (cols - inRow) / 2;
      return mk((col + shift) * W / cols, row * H / rows, (col + shift + 1) * W / cols,
        (row + 1) * H / rows, sid, fill);
    });
  }

  function splitBig(streams, bigId) {
    var big;
    if (bigId) big = streams.indexOf(bigId) >= 0 ? bigId : null;
    else big = streams.length ? streams[0] : null;
    var small = streams.filter(function (s) { return s !== big; }).slice(0, MAX_TILES - 1);
    return [big, small];
  }

  function horizontalTiles(big, small, W, H, fill) {
    var sw = W / 8, sh = H / 10;
    var topCount = Math.min(small.length, 16);
    var rows = Math.ceil(topCount / 8);
    var tiles = small.map(function (sid, p) {
      var x, y;
      if (p < topCount) { x = (p % 8) * sw; y = Math.floor(p / 8) * sh; }
      else { x = W - sw; y = (rows + p - topCount) * sh; }
      return mk(x, y, x + sw, y + sh, sid, fill);
    });
    var rightEdge = small.length > topCount ? W - sw : W;
    tiles.unshift(mk(0, rows * sh, rightEdge, H, big, fill));
    return tiles;
  }

  function verticalTiles(big, small, W, H, fill) {
    var sw = W / 10, sh = H / 8;
    var sideCount = Math.min(small.length, 16);
    var cols = Math.ceil(sideCount / 8);
    var tiles = small.map(function (sid, p) {
      var x, y;
      if (p < sideCount) { x = W - (Math.floor(p / 8) + 1) * sw; y = (p % 8) * sh; }
      else { x = (p - sideCount) * sw; y = H - sh; }
      return mk(x, y, x + sw, y + sh, sid, fill);
    });
    var bottomEdge = small.length > sideCount ? H - sh : H;
    tiles.unshift(mk(0, 0, W - cols * sw, bottomEdge, big, fill));
    return tiles;
  }

  function floatingTiles(big, small, W, H, fill) {
    var sw = W / 6, sh = H / 6;
    var tiles = [mk(0, 0, W, H, big, fill)];
    small.forEach(function (sid, p) {
      var right = W - (p % 6) * sw, bottom = H - Math.floor(p / 6) * sh;
      tiles.push(mk(right - sw, bottom - sh, right, bottom, sid, fill, 1));
    });
    return tiles;
  }

  function templateTiles(mode, streams, W, H, fill, bigId) {
    if (mode === 2) return gridTiles(streams.slice(0, MAX_TILES), W, H, fill);
    var split = splitBig(streams, bigId);
    if (split[0] === null && !split[1].length) return [];
    var build = { 3: horizontalTiles, 4: verticalTiles, 5: floatingTiles }[mode];
    return build ? build(split[0], split[1], W, H, fill) : [];
  }

  // For tests and the console: the same geometry the emulator draws.
  window.RecdeskLayout = { templateTiles: templateTiles };

  // ------------------------------------------------------------------ helpers

  function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }
  function $(root, name) { return root.querySelector('[data-le="' + name + '"]'); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }
  function hexToRgb(hex) {
    var m = /^#?([0-9a-f]{6})$/i.exec(hex || "");
    if (!m) return [0, 0, 0];
    var n = parseInt(m[1], 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  function timeNow() {
    var d = new Date();
    return [d.getHours(), d.getMinutes(), d.getSeconds()].map(function (n) {
      return String(n).padStart(2, "0");
    }).join(":");
  }

  var uid = 0;

  // ------------------------------------------------------------------ the editor

  function Editor(root) {
    this.root = root;
    this.config = JSON.parse(document.getElementById(root.dataset.config).textContent);
    this.mode = root.dataset.mode; // "live" | "start"
    this.streams = this.config.streams || [];
    this.presets = this.config.presets || [];
    this.W = this.config.width;
    this.H = this.config.height;
    this.state = { mode: 2, big: null, tiles: [] };
    this.selected = null; // tile uid
    this.history = [];
    this.hIndex = -1;
    this.serverProblems = null;
    this.busy = false;
    this.tileEls = {};
    this.canvas = $(root, "canvas");
    this.bind = this.config.bind || {};
    this.init();
  }

  Editor.prototype.streamInfo = function (sid) {
    for (var i = 0; i < this.streams.length; i++) {
      if (this.streams[i].stream_id === sid) return { index: i, stream: this.streams[i] };
    }
    return null;
  };

  Editor.prototype.streamIds = function () {
    return this.streams.map(function (s) { return s.stream_id; });
  };

  // ---- state <-> layout JSON (ZEGO tile keys)

  Editor.prototype.fromLayout = function (layout) {
    var W = this.W, H = this.H;
    var mode = layout && layout.mix_mode ? layout.mix_mode : 2;
    var tiles;
    if (mode === 1) {
      var sx = layout.width ? W / layout.width : 1, sy = layout.height ? H / layout.height : 1;
      tiles = (layout.tiles || []).map(function (t, i) {
        return { stream_id: t.StreamId || null, left: Math.round(t.Left * sx),
          top: Math.round(t.Top * sy), right: Math.round(t.Right * sx),
          bottom: Math.round(t.Bottom * sy), layer: t.Layer || 0, fill_mode: t.FillMode || 1, order: i };
      });
      tiles.sort(function (a, b) { return (a.layer - b.layer) || (a.order - b.order); });
    } else {
      tiles = templateTiles(mode, this.streamIds(), W, H, this.fillDefault(),
        layout.max_resolution_stream_id || null);
    }
    return { mode: mode, big: layout && layout.max_resolution_stream_id || null,
      tiles: tiles.map(function (t) { t.uid = ++uid; return t; }) };
  };

  Editor.prototype.toLayout = function () {
    var layout = { width: this.W, height: this.H, mix_mode: this.state.mode, tiles: [] };
    if (this.state.mode === 1) {
      layout.tiles = this.state.tiles.map(function (t, i) {
        var tile = { Left: t.left, Top: t.top, Right: t.right, Bottom: t.bottom, Layer: i + 1,
          FillMode: t.fill_mode || 1 };
        if (t.stream_id) tile.StreamId = t.stream_id;
        return tile;
      });
    } else if (this.state.big && this.state.mode !== 2) {
      layout.max_resolution_stream_id = this.state.big;
    }
    return layout;
  };

  Editor.prototype.fillDefault = function () {
    var sel = this.bind.fill_mode && document.getElementById(this.bind.fill_mode);
    return sel ? parseInt(sel.value, 10) || 1 : 1;
  };

  // ---- history

  Editor.prototype.snapshot = function () {
    return JSON.stringify({ s: this.state, W: this.W, H: this.H });
  };
  Editor.prototype.commit = function (coalesceKey) {
    var snap = this.snapshot();
    if (this.hIndex >= 0 && this.history[this.hIndex] === snap) return;
    var now = Date.now();
    if (coalesceKey && this.lastKey === coalesceKey && now - this.lastKeyAt < 700 && this.hIndex > 0) {
      this.history[this.hIndex] = snap; // a burst of arrow presses is one undo step
    } else {
      this.history = this.history.slice(0, this.hIndex + 1);
      this.history.push(snap);
      if (this.history.length > 200) this.history.shift();
      this.hIndex = this.history.length - 1;
    }
    this.lastKey = coalesceKey;
    this.lastKeyAt = now;
    this.serverProblems = null;
    this.changed();
  };
  Editor.prototype.restore = function (index) {
    var data = JSON.parse(this.history[index]);
    this.hIndex = index;
    this.state = data.s;
    this.lastKey = null;
    this.serverProblems = null;
    if (this.selected && !this.tileByUid(this.selected)) this.selected = null;
    this.changed();
  };
  Editor.prototype.undo = function () {
    if (this.hIndex > 0) { this.restore(this.hIndex - 1); this.say("Undone."); }
  };
  Editor.prototype.redo = function () {
    if (this.hIndex < this.history.length - 1) { this.restore(this.hIndex + 1); this.say("Redone."); }
  };

  Editor.prototype.tileByUid = function (id) {
    for (var i = 0; i < this.state.tiles.length; i++) if (this.state.tiles[i].uid === id) return this.state.tiles[i];
    return null;
  };
  Editor.prototype.indexOf = function (id) {
    for (var i = 0; i < this.state.tiles.length; i++) if (this.state.tiles[i].uid === id) return i;
    return -1;
  };

  // ---- validation (mirrors recordings/layouts.py; the server checks again)

  Editor.prototype.problems = function () {
    var found = [], W = this.W, H = this.H, tiles = this.state.tiles;
    if (this.state.mode !== 1) return found;
    if (!tiles.length) found.push({ index: null, field: "MixInputList", message: "A custom layout needs at least one tile; add a stream." });
    if (tiles.length > MAX_TILES) found.push({ index: null, field: "MixInputList", message: "The layout has " + tiles.length + " tiles; ZEGO allows at most " + MAX_TILES + "." });
    var seen = {};
    tiles.forEach(function (t, i) {
      var keys = { Left: t.left, Top: t.top, Right: t.right, Bottom: t.bottom }, bad = false;
      Object.keys(keys).forEach(function (k) {
        var v = keys[k];
        if (!Number.isInteger(v)) { found.push({ index: i, field: k, message: k + " must be a whole number of pixels." }); bad = true; }
        else if (v < 0 || v > MAX_COORD) { found.push({ index: i, field: k, message: k + " must be between 0 and " + MAX_COORD + ", not " + v + "." }); bad = true; }
      });
      if (bad) return;
      if (t.left > t.right) found.push({ index: i, field: "Left", message: "Left (" + t.left + ") must not be greater than Right (" + t.right + ")." });
      else if (t.right > W) found.push({ index: i, field: "Right", message: "Right (" + t.right + ") is beyond the canvas width (" + W + ")." });
      if (t.top > t.bottom) found.push({ index: i, field: "Top", message: "Top (" + t.top + ") must not be greater than Bottom (" + t.bottom + ")." });
      else if (t.bottom > H) found.push({ index: i, field: "Bottom", message: "Bottom (" + t.bottom + ") is beyond the canvas height (" + H + ")." });
      var w = t.right - t.left, h = t.bottom - t.top;
      if (t.left <= t.right && t.top <= t.bottom && (w < MIN_SIDE || h < MIN_SIDE)) {
        found.push({ index: i, field: w < MIN_SIDE ? "Right" : "Bottom", message: "The tile is " + w + " × " + h + " px; make it at least " + MIN_SIDE + " × " + MIN_SIDE + " px so it can be seen." });
      }
      if (t.stream_id) {
        if (seen[t.stream_id] !== undefined) found.push({ index: i, field: "StreamId", message: t.stream_id + " is already shown in tile " + (seen[t.stream_id] + 1) + "." });
        else seen[t.stream_id] = i;
      }
    });
    return found;
  };

  Editor.prototype.tileName = function (index) {
    var t = this.state.tiles[index];
    var name = "Tile " + (index + 1);
    if (t && t.stream_id) name += " (" + t.stream_id + ")";
    return name;
  };

  // ---- init & DOM

  Editor.prototype.init = function () {
    var self = this, root = this.root;
    this.sizeCanvas();
    var swatch = $(root, "swatch");
    if (swatch) {
      swatch.style.backgroundColor = this.background();
      $(root, "bg-text").textContent = this.background();
    }
    var initial = this.config.initial || this.config.current;
    if (this.mode === "start") {
      var hidden = document.getElementById(this.bind.custom_layout);
      if (hidden && hidden.value) {
        try { initial = JSON.parse(hidden.value); initial.mix_mode = 1; } catch (e) { initial = null; }
      }
      if (!initial || !initial.mix_mode) {
        var modeSel = document.getElementById(this.bind.mix_mode);
        initial = { mix_mode: modeSel ? parseInt(modeSel.value, 10) || 2 : 2 };
      }
    }
    this.state = this.fromLayout(initial || { mix_mode: 2 });
    this.history = [this.snapshot()];
    this.hIndex = 0;

    root.querySelectorAll("[data-le-mode]").forEach(function (b) {
      b.addEventListener("click", function () { self.startFrom(parseInt(b.dataset.leMode, 10)); });
    });
    $(root, "undo").addEventListener("click", function () { self.undo(); });
    $(root, "redo").addEventListener("click", function () { self.redo(); });
    ["snap", "grid-step", "show-grid", "aspect-lock"].forEach(function (n) {
      $(root, n).addEventListener("change", function () { self.drawGrid(); });
    });
    this.canvas.addEventListener("pointerdown", function (e) { self.onPointerDown(e); });
    this.canvas.addEventListener("pointermove", function (e) { self.onHover(e); });
    this.canvas.addEventListener("pointerleave", function () { $(root, "pointer").textContent = ""; });
    root.addEventListener("keydown", function (e) { self.onKey(e); });
    this.canvas.addEventListener("focusin", function (e) {
      var tileEl = e.target.closest(".le-tile");
      if (tileEl && +tileEl.dataset.uid !== self.selected) { self.select(+tileEl.dataset.uid, false); }
    });
    // The selection frame and its handles sit above every tile, so a tile under others can
    // still be resized.
    this.selection = el("div", "le-selection");
    this.selection.hidden = true;
    this.selection.setAttribute("aria-hidden", "true");
    ["n", "s", "e", "w", "ne", "nw", "se", "sw"].forEach(function (edge) {
      var h = el("span", "le-handle le-handle-" + edge);
      h.dataset.edge = edge;
      self.selection.appendChild(h);
    });
    this.canvas.appendChild(this.selection);
    this.bindInspector();
    this.bindPresets();
    if (this.mode === "live") this.bindLive();
    else this.bindStartForm();
    // An htmx swap replaces the editor without telling it: the window listener leaves with it.
    var onResize = function () {
      if (!root.isConnected) { window.removeEventListener("resize", onResize); return; }
      self.drawGrid();
    };
    window.addEventListener("resize", onResize);
    this.drawGrid();
    this.changed();
    root.classList.add("le-ready");
    root.layoutEditor = this;
  };

  Editor.prototype.sizeCanvas = function () {
    var c = this.canvas;
    c.style.aspectRatio = this.W + " / " + this.H;
    // Fit the width, but keep portrait canvases within the window's height.
    c.style.width = "min(100%, calc(66vh * " + (this.W / this.H).toFixed(5) + "))";
    $(this.root, "canvas-size").textContent = this.W + " × " + this.H + " px";
    var facts = $(this.root, "canvas-facts");
    if (facts) facts.textContent = this.W + " × " + this.H + " px";
  };

  Editor.prototype.scale = function () {
    return this.canvas.getBoundingClientRect().width / this.W;
  };

  Editor.prototype.gridStep = function () { return parseInt($(this.root, "grid-step").value, 10) || 20; };
  Editor.prototype.snapOn = function () { return $(this.root, "snap").checked; };
  Editor.prototype.aspectLocked = function () { return $(this.root, "aspect-lock").checked; };

  Editor.prototype.drawGrid = function () {
    var g = $(this.root, "grid"), step = this.gridStep();
    g.hidden = !$(this.root, "show-grid").checked;
    g.style.backgroundSize = (step / this.W * 100) + "% " + (step / this.H * 100) + "%";
  };

  Editor.prototype.startFrom = function (mode) {
    if (mode === 1) {
      if (this.state.mode !== 1) {
        this.state.mode = 1;
        this.commit();
        this.say("Custom layout: the tiles are yours to arrange.");
      }
      return;
    }
    var streams = this.streamIds();
    var big = this.state.big;
    if (this.selected && mode !== 2) {
      var t = this.tileByUid(this.selected);
      if (t && t.stream_id) big = t.stream_id;
    }
    this.state = { mode: mode, big: mode === 2 ? null : big,
      tiles: templateTiles(mode, streams, this.W, this.H, this.fillDefault(), mode === 2 ? null : big)
        .map(function (t) { t.uid = ++uid; return t; }) };
    this.selected = null;
    this.commit();
    this.say(MODE_NAMES[mode] + " layout. Move or resize a tile to make it your own.");
  };

  // Any geometric edit turns a template into a custom layout.
  Editor.prototype.makeCustom = function () { this.state.mode = 1; };

  // ---- rendering

  Editor.prototype.changed = function () {
    this.renderTiles();
    this.renderInspector();
    this.renderLists();
    this.renderProblems();
    this.renderChrome();
    if (this.mode === "start") this.writeForm();
  };

  Editor.prototype.renderTiles = function () {
    var self = this, H = this.H, seen = {};
    var problems = this.currentProblems();
    var byIndex = {};
    problems.forEach(function (p) {
      if (p.index === null || p.index === undefined) return;
      (byIndex[p.index] = byIndex[p.index] || []).push(p);
    });
    this.state.tiles.forEach(function (t, i) {
      seen[t.uid] = true;
      var e = self.tileEls[t.uid];
      if (!e) { e = self.tileEls[t.uid] = self.makeTileEl(t); self.canvas.appendChild(e); }
      self.placeTile(e, t);
      e.style.zIndex = String(10 + i);
      var info = t.stream_id ? self.streamInfo(t.stream_id) : null;
      var color = info ? PALETTE[info.index % PALETTE.length] : [110, 118, 135];
      e.style.setProperty("--tile-rgb", color.join(", "));
      e.classList.toggle("is-selected", t.uid === self.selected);
      e.classList.toggle("is-missing", !!t.stream_id && !info);
      e.classList.toggle("is-next", !t.stream_id);
      e.setAttribute("aria-pressed", t.uid === self.selected ? "true" : "false");
      var user = info ? (info.stream.user_name || info.stream.user_id || "") : "";
      e.querySelector(".le-tile-user").textContent = t.stream_id ? (user || "not in the room now") : "Next stream to join";
      e.querySelector(".le-tile-stream").textContent = t.stream_id || "filled in join order";
      e.querySelector(".le-tile-layer").textContent = String(i + 1);
      e.querySelector(".le-tile-size").textContent = (t.right - t.left) + " × " + (t.bottom - t.top);
      var bubble = e.querySelector(".le-tile-problem");
      var own = byIndex[i] || [];
      bubble.hidden = !own.length;
      bubble.textContent = own.map(function (p) { return p.message; }).join(" ");
      e.classList.toggle("has-problem", own.length > 0);
      e.classList.toggle("bubble-above", t.bottom > H * 0.8);
      e.setAttribute("aria-label", (t.stream_id || "next stream") + (user ? " (" + user + ")" : "") +
        ", x " + t.left + ", y " + t.top + ", " + (t.right - t.left) + " by " + (t.bottom - t.top) +
        " pixels, layer " + (i + 1) + " of " + self.state.tiles.length + (own.length ? ". Problem: " + bubble.textContent : ""));
      self.applyThumb(e, t);
    });
    Object.keys(this.tileEls).forEach(function (id) {
      if (!seen[id]) { self.tileEls[id].remove(); delete self.tileEls[id]; }
    });
    this.placeSelection();
    $(this.root, "empty").hidden = this.state.tiles.length > 0;
    var rgb = hexToRgb(this.background());
    this.canvas.style.backgroundColor = "rgb(" + rgb.join(",") + ")";
  };

  Editor.prototype.placeTile = function (e, t) {
    var W = this.W, H = this.H;
    e.style.left = (t.left / W * 100) + "%";
    e.style.top = (t.top / H * 100) + "%";
    e.style.width = (Math.max(0, t.right - t.left) / W * 100) + "%";
    e.style.height = (Math.max(0, t.bottom - t.top) / H * 100) + "%";
    e.dataset.rect = [t.left, t.top, t.right, t.bottom].join(",");
    e.dataset.stream = t.stream_id || "";
  };

  Editor.prototype.placeSelection = function () {
    var t = this.selected ? this.tileByUid(this.selected) : null;
    if (!this.selection) return;
    this.selection.hidden = !t;
    if (!t) return;
    var W = this.W, H = this.H, sel = this.selection.style;
    sel.left = (t.left / W * 100) + "%";
    sel.top = (t.top / H * 100) + "%";
    sel.width = (Math.max(0, t.right - t.left) / W * 100) + "%";
    sel.height = (Math.max(0, t.bottom - t.top) / H * 100) + "%";
  };

  Editor.prototype.makeTileEl = function (t) {
    var e = el("div", "le-tile");
    e.tabIndex = 0;
    e.setAttribute("role", "button");
    e.setAttribute("aria-roledescription", "tile");
    e.dataset.uid = t.uid;
    var thumb = el("div", "le-tile-thumb");
    var label = el("div", "le-tile-label");
    label.appendChild(el("span", "le-tile-user"));
    label.appendChild(el("code", "le-tile-stream"));
    label.appendChild(el("span", "le-tile-size"));
    e.appendChild(thumb);
    e.appendChild(label);
    e.appendChild(el("span", "le-tile-layer"));
    var bubble = el("div", "le-tile-problem");
    bubble.hidden = true;
    e.appendChild(bubble);
    return e;
  };

  // Thumbnails: the latest TakeSnapshot picture, cropped to where each stream was at that moment.
  Editor.prototype.applyThumb = function (e, t) {
    var thumb = e.querySelector(".le-tile-thumb");
    var rects = this.snapshotRects();
    var r = rects && t.stream_id ? rects[t.stream_id] : null;
    if (!r) { thumb.hidden = true; return; }
    var snap = this.config.snapshot, SW = snap.layout.width, SH = snap.layout.height;
    var rw = r.right - r.left, rh = r.bottom - r.top;
    if (rw <= 0 || rh <= 0) { thumb.hidden = true; return; }
    thumb.hidden = false;
    thumb.style.backgroundImage = 'url("' + snap.url.replace(/"/g, "%22") + '")';
    thumb.style.backgroundSize = (SW / rw * 100) + "% " + (SH / rh * 100) + "%";
    thumb.style.backgroundPosition = (SW === rw ? 0 : r.left / (SW - rw) * 100) + "% " +
      (SH === rh ? 0 : r.top / (SH - rh) * 100) + "%";
  };

  Editor.prototype.snapshotRects = function () {
    if (this._snapRects !== undefined) return this._snapRects;
    var snap = this.config.snapshot, rects = null;
    if (snap && snap.url && snap.layout && snap.layout.width) {
      var L = snap.layout, ids = this.streamIds(), tiles;
      if (L.mix_mode === 1) {
        var placed = {};
        (L.tiles || []).forEach(function (t) { if (t.StreamId) placed[t.StreamId] = true; });
        var free = ids.filter(function (s) { return !placed[s]; });
        tiles = (L.tiles || []).map(function (t) {
          return { stream_id: t.StreamId || free.shift() || null, left: t.Left, top: t.Top, right: t.Right, bottom: t.Bottom };
        });
      } else {
        tiles = templateTiles(L.mix_mode || 2, ids, L.width, L.height, 1, L.max_resolution_stream_id || null);
      }
      rects = {};
      tiles.forEach(function (t) { if (t.stream_id) rects[t.stream_id] = t; });
    }
    this._snapRects = rects;
    return rects;
  };

  Editor.prototype.background = function () {
    var input = this.bind.background_color && document.getElementById(this.bind.background_color);
    return input ? input.value : (this.config.background_color || "#000000");
  };

  Editor.prototype.currentProblems = function () {
    return this.serverProblems || this.problems();
  };

  Editor.prototype.renderProblems = function () {
    var self = this, box = $(this.root, "problems"), list = $(this.root, "problem-list");
    var problems = this.currentProblems();
    box.hidden = !problems.length;
    list.textContent = "";
    $(this.root, "problems-title").textContent = this.serverProblems
      ? "The server refused the layout; nothing was sent to ZEGO:"
      : problems.length === 1 ? "Fix this before applying:" : "Fix these " + problems.length + " problems before applying:";
    problems.forEach(function (p) {
      var li = el("li");
      if (p.index !== null && p.index !== undefined) {
        var b = el("button", "le-link", self.tileName(p.index));
        b.type = "button";
        b.addEventListener("click", function () {
          var t = self.state.tiles[p.index];
          if (t) self.select(t.uid, true);
        });
        li.appendChild(b);
        li.appendChild(document.createTextNode(": " + p.message));
      } else {
        li.textContent = p.message;
      }
      list.appendChild(li);
    });
    var apply = $(this.root, "apply");
    if (apply) apply.disabled = this.busy || problems.length > 0;
  };

  Editor.prototype.renderChrome = function () {
    var self = this, root = this.root;
    root.querySelectorAll("[data-le-mode]").forEach(function (b) {
      b.setAttribute("aria-pressed", parseInt(b.dataset.leMode, 10) === self.state.mode ? "true" : "false");
    });
    $(root, "undo").disabled = this.hIndex <= 0;
    $(root, "redo").disabled = this.hIndex >= this.history.length - 1;
    var badge = $(root, "mode-badge");
    if (this.state.mode === 1) {
      badge.textContent = "Custom · " + this.state.tiles.length + " tile" + (this.state.tiles.length === 1 ? "" : "s");
      badge.title = "Sent as MixMode 1 with these tiles.";
    } else {
      badge.textContent = MODE_NAMES[this.state.mode] + " template";
      badge.title = "Sent as MixMode " + this.state.mode + ": ZEGO arranges the tiles and rearranges them as people join or leave.";
    }
    var dirty = $(root, "dirty");
    if (dirty) dirty.hidden = !this.isDirty();
    $(root, "tile-count").textContent = this.state.tiles.length + " / " + MAX_TILES;
  };

  Editor.prototype.isDirty = function () {
    var cur = this.config.current;
    if (!cur) return true;
    var mine = this.toLayout();
    if (mine.mix_mode !== cur.mix_mode) return true;
    if (mine.mix_mode !== 1) return (mine.max_resolution_stream_id || null) !== (cur.max_resolution_stream_id || null);
    var norm = function (tiles) {
      return JSON.stringify((tiles || []).slice().sort(function (a, b) { return (a.Layer || 0) - (b.Layer || 0); })
        .map(function (t) { return [t.StreamId || "", t.Left, t.Top, t.Right, t.Bottom, t.FillMode || 1]; }));
    };
    return norm(mine.tiles) !== norm(cur.tiles);
  };

  Editor.prototype.renderLists = function () {
    var self = this, list = $(this.root, "tile-list"), add = $(this.root, "add-list");
    list.textContent = "";
    var tiles = this.state.tiles;
    for (var i = tiles.length - 1; i >= 0; i--) {
      (function (t, i) {
        var li = el("li");
        var b = el("button", "le-tile-item" + (t.uid === self.selected ? " is-selected" : ""));
        b.type = "button";
        var info = t.stream_id ? self.streamInfo(t.stream_id) : null;
        var dot = el("span", "le-dot");
        var color = info ? PALETTE[info.index % PALETTE.length] : [110, 118, 135];
        dot.style.backgroundColor = "rgb(" + color.join(",") + ")";
        b.appendChild(dot);
        b.appendChild(el("span", "le-tile-item-name", t.stream_id || "next stream to join"));
        b.appendChild(el("span", "le-tile-item-meta", (t.right - t.left) + "×" + (t.bottom - t.top) + " · L" + (i + 1)));
        b.setAttribute("aria-pressed", t.uid === self.selected ? "true" : "false");
        b.addEventListener("click", function () { self.select(t.uid, true); });
        li.appendChild(b);
        list.appendChild(li);
      })(tiles[i], i);
    }
    add.textContent = "";
    var shown = {};
    tiles.forEach(function (t) { if (t.stream_id) shown[t.stream_id] = true; });
    var missing = this.streams.filter(function (s) { return !shown[s.stream_id]; });
    missing.forEach(function (s) {
      var li = el("li");
      var b = el("button", "le-btn le-btn-ghost le-add-btn");
      b.type = "button";
      b.appendChild(el("span", "", "+ "));
      b.appendChild(el("code", "", s.stream_id));
      if (s.user_name || s.user_id) b.appendChild(el("span", "muted", " " + (s.user_name || s.user_id)));
      b.addEventListener("click", function () { self.addTile(s.stream_id); });
      li.appendChild(b);
      add.appendChild(li);
    });
    if (!missing.length) {
      add.appendChild(el("li", "muted le-small", this.streams.length ? "Every stream in the room is on the canvas." : "Nobody is publishing in the room right now."));
    }
    $(this.root, "add-next").disabled = tiles.length >= MAX_TILES;
  };

  Editor.prototype.renderInspector = function () {
    var root = this.root, t = this.selected ? this.tileByUid(this.selected) : null;
    $(root, "no-selection").hidden = !!t;
    $(root, "tile-fields").hidden = !t;
    if (!t) return;
    var i = this.indexOf(t.uid);
    var values = { x: t.left, y: t.top, w: t.right - t.left, h: t.bottom - t.top };
    ["x", "y", "w", "h"].forEach(function (k) {
      var input = $(root, "f-" + k);
      if (document.activeElement !== input || input.dataset.stale) { input.value = values[k]; delete input.dataset.stale; }
    });
    var streamSel = $(root, "f-stream");
    streamSel.textContent = "";
    var options = [{ v: "", label: "Next stream to join (join order)" }];
    var shown = {};
    this.state.tiles.forEach(function (o) { if (o.stream_id && o.uid !== t.uid) shown[o.stream_id] = true; });
    this.streams.forEach(function (s) {
      options.push({ v: s.stream_id, label: s.stream_id + (s.user_name || s.user_id ? " — " + (s.user_name || s.user_id) : "") + (shown[s.stream_id] ? " (already on canvas)" : "") });
    });
    if (t.stream_id && !this.streamInfo(t.stream_id)) options.push({ v: t.stream_id, label: t.stream_id + " (not in the room now)" });
    options.forEach(function (o) {
      var opt = el("option", "", o.label);
      opt.value = o.v;
      streamSel.appendChild(opt);
    });
    streamSel.value = t.stream_id || "";
    $(root, "f-fill").value = String(t.fill_mode || 1);
    $(root, "f-layer").textContent = (i + 1) + " of " + this.state.tiles.length;
    $(root, "to-back").disabled = $(root, "backward").disabled = i === 0;
    $(root, "to-front").disabled = $(root, "forward").disabled = i === this.state.tiles.length - 1;
    var own = this.currentProblems().filter(function (p) { return p.index === i; });
    var err = $(root, "f-error");
    err.hidden = !own.length;
    err.textContent = own.map(function (p) { return p.message; }).join(" ");
    var fieldFor = { Left: "x", Right: "w", Top: "y", Bottom: "h" };
    ["x", "y", "w", "h"].forEach(function (k) { $(root, "f-" + k).removeAttribute("aria-invalid"); });
    own.forEach(function (p) { if (fieldFor[p.field]) $(root, "f-" + fieldFor[p.field]).setAttribute("aria-invalid", "true"); });
  };

  // ---- selection & edits

  Editor.prototype.select = function (id, focus) {
    this.selected = id;
    this.renderTiles();
    this.renderInspector();
    this.renderLists();
    if (focus && id && this.tileEls[id]) this.tileEls[id].focus({ preventScroll: true });
  };

  Editor.prototype.addTile = function (streamId) {
    if (this.state.tiles.length >= MAX_TILES) { this.say("ZEGO allows at most 25 tiles."); return; }
    var w = Math.round(this.W / 3), h = Math.round(this.H / 3);
    var n = this.state.tiles.length % 5;
    var left = clamp(Math.round(this.W / 2 - w / 2 + (n - 2) * this.W / 24), 0, this.W - w);
    var top = clamp(Math.round(this.H / 2 - h / 2 + (n - 2) * this.H / 24), 0, this.H - h);
    var t = { uid: ++uid, stream_id: streamId || null, left: left, top: top, right: left + w, bottom: top + h, fill_mode: this.fillDefault(), layer: 0 };
    this.makeCustom();
    this.state.tiles.push(t);
    this.selected = t.uid;
    this.commit();
    this.select(t.uid, true);
    this.say("Added " + (streamId || "a tile for the next stream") + " on top.");
  };

  Editor.prototype.removeSelected = function () {
    var i = this.indexOf(this.selected);
    if (i < 0) return;
    var t = this.state.tiles[i];
    this.makeCustom();
    this.state.tiles.splice(i, 1);
    var next = this.state.tiles[Math.min(i, this.state.tiles.length - 1)];
    this.selected = null;
    this.commit();
    if (next) this.select(next.uid, true); else this.canvas.focus();
    this.say("Removed " + (t.stream_id || "the tile") + ".");
  };

  Editor.prototype.reorder = function (how) {
    var i = this.indexOf(this.selected), tiles = this.state.tiles;
    if (i < 0) return;
    var t = tiles.splice(i, 1)[0], j;
    if (how === "front") j = tiles.length;
    else if (how === "back") j = 0;
    else if (how === "forward") j = Math.min(tiles.length, i + 1);
    else j = Math.max(0, i - 1);
    tiles.splice(j, 0, t);
    if (i === j) return;
    this.makeCustom();
    this.commit();
    this.tileEls[t.uid] && this.tileEls[t.uid].focus({ preventScroll: true });
    this.say((t.stream_id || "Tile") + " is now layer " + (j + 1) + " of " + tiles.length + ".");
  };

  Editor.prototype.setRect = function (t, left, top, right, bottom) {
    t.left = left; t.top = top; t.right = right; t.bottom = bottom;
  };

  // ---- pointer: move & resize, with snapping

  Editor.prototype.onHover = function (e) {
    if (this.drag) return;
    var r = this.canvas.getBoundingClientRect(), s = this.scale();
    var x = Math.round((e.clientX - r.left) / s), y = Math.round((e.clientY - r.top) / s);
    $(this.root, "pointer").textContent = "· pointer " + clamp(x, 0, this.W) + ", " + clamp(y, 0, this.H);
  };

  Editor.prototype.onPointerDown = function (e) {
    if (e.button !== 0) return;
    var handle = e.target.closest(".le-handle");
    var tileEl = handle ? this.tileEls[this.selected] : e.target.closest(".le-tile");
    if (!tileEl) { this.select(null); return; }
    var t = this.tileByUid(+tileEl.dataset.uid);
    if (!t) return;
    e.preventDefault();
    this.select(t.uid, true);
    var edge = handle ? handle.dataset.edge : null;
    var captor = handle || tileEl;
    this.drag = { t: t, edge: edge, x0: e.clientX, y0: e.clientY, s: this.scale(),
      start: { left: t.left, top: t.top, right: t.right, bottom: t.bottom }, moved: false };
    captor.setPointerCapture(e.pointerId);
    tileEl.classList.add("is-dragging");
    var self = this;
    var move = function (ev) { self.onDragMove(ev); };
    var up = function (ev) {
      captor.removeEventListener("pointermove", move);
      captor.removeEventListener("pointerup", up);
      captor.removeEventListener("pointercancel", up);
      tileEl.classList.remove("is-dragging");
      self.onDragEnd(ev);
    };
    captor.addEventListener("pointermove", move);
    captor.addEventListener("pointerup", up);
    captor.addEventListener("pointercancel", up);
  };

  Editor.prototype.snapTargets = function (skip) {
    var xs = [0, this.W, this.W / 2], ys = [0, this.H, this.H / 2];
    this.state.tiles.forEach(function (o) {
      if (o === skip) return;
      xs.push(o.left, o.right); ys.push(o.top, o.bottom);
    });
    return { xs: xs.map(Math.round), ys: ys.map(Math.round) };
  };

  // The best snap for any of `edges` (values) within `tol`: { delta, at } or null.
  function bestSnap(edges, targets, step, tol) {
    var best = null;
    edges.forEach(function (v) {
      targets.forEach(function (target) {
        var d = target - v;
        if (Math.abs(d) <= tol && (!best || Math.abs(d) < Math.abs(best.delta))) best = { delta: d, at: target, edge: true };
      });
      if (step) {
        var g = Math.round(v / step) * step, d2 = g - v;
        if (Math.abs(d2) <= tol && (!best || Math.abs(d2) < Math.abs(best.delta) - 0.01)) best = { delta: d2, at: g, edge: false };
      }
    });
    return best;
  }

  Editor.prototype.onDragMove = function (e) {
    var d = this.drag;
    if (!d) return;
    var dx = (e.clientX - d.x0) / d.s, dy = (e.clientY - d.y0) / d.s;
    if (!d.moved && Math.abs(dx) * d.s < 2 && Math.abs(dy) * d.s < 2) return;
    d.moved = true;
    var W = this.W, H = this.H, st = d.start, snap = this.snapOn();
    var tol = SNAP_SCREEN_PX / d.s, step = snap ? this.gridStep() : 0;
    var targets = snap ? this.snapTargets(d.t) : { xs: [], ys: [] };
    var guideX = null, guideY = null, l, t, r, b;
    if (!d.edge) {
      var w = st.right - st.left, h = st.bottom - st.top;
      l = clamp(st.left + dx, 0, W - w); t = clamp(st.top + dy, 0, H - h);
      if (snap) {
        var sx = bestSnap([l, l + w], targets.xs, step, tol);
        if (sx) { l = clamp(l + sx.delta, 0, W - w); if (sx.edge) guideX = sx.at; }
        var sy = bestSnap([t, t + h], targets.ys, step, tol);
        if (sy) { t = clamp(t + sy.delta, 0, H - h); if (sy.edge) guideY = sy.at; }
      }
      l = Math.round(l); t = Math.round(t);
      r = l + w; b = t + h;
    } else {
      l = st.left; t = st.top; r = st.right; b = st.bottom;
      var e2 = d.edge;
      if (e2.indexOf("w") >= 0) l = clamp(st.left + dx, 0, st.right - DRAG_MIN_SIDE);
      if (e2.indexOf("e") >= 0) r = clamp(st.right + dx, st.left + DRAG_MIN_SIDE, W);
      if (e2.indexOf("n") >= 0) t = clamp(st.top + dy, 0, st.bottom - DRAG_MIN_SIDE);
      if (e2.indexOf("s") >= 0) b = clamp(st.bottom + dy, st.top + DRAG_MIN_SIDE, H);
      if (snap) {
        var moveX = e2.indexOf("w") >= 0 ? "l" : e2.indexOf("e") >= 0 ? "r" : null;
        var moveY = e2.indexOf("n") >= 0 ? "t" : e2.indexOf("s") >= 0 ? "b" : null;
        if (moveX) {
          var vx = moveX === "l" ? l : r, s1 = bestSnap([vx], targets.xs, step, tol);
          if (s1) { if (moveX === "l") l = clamp(l + s1.delta, 0, r - DRAG_MIN_SIDE); else r = clamp(r + s1.delta, l + DRAG_MIN_SIDE, W); if (s1.edge) guideX = s1.at; }
        }
        if (moveY) {
          var vy = moveY === "t" ? t : b, s2 = bestSnap([vy], targets.ys, step, tol);
          if (s2) { if (moveY === "t") t = clamp(t + s2.delta, 0, b - DRAG_MIN_SIDE); else b = clamp(b + s2.delta, t + DRAG_MIN_SIDE, H); if (s2.edge) guideY = s2.at; }
        }
      }
      if (this.aspectLocked()) {
        var ratio = (st.right - st.left) / Math.max(1, st.bottom - st.top);
        var horizontal = e2 === "e" || e2 === "w";
        if (horizontal) { var nh = (r - l) / ratio; b = Math.min(H, t + nh); }
        else if (e2 === "n" || e2 === "s") { var nw = (b - t) * ratio; r = Math.min(W, l + nw); }
        else {
          var nh2 = (r - l) / ratio;
          if (e2.indexOf("n") >= 0) t = Math.max(0, b - nh2); else b = Math.min(H, t + nh2);
        }
        guideX = guideY = null;
      }
      l = Math.round(l); t = Math.round(t); r = Math.round(r); b = Math.round(b);
    }
    this.setRect(d.t, l, t, r, b);
    this.placeTile(this.tileEls[d.t.uid], d.t);
    this.placeSelection();
    this.tileEls[d.t.uid].querySelector(".le-tile-size").textContent = (r - l) + " × " + (b - t);
    this.showGuides(guideX, guideY);
    this.renderInspector();
    $(this.root, "pointer").textContent = "· " + l + ", " + t + " → " + r + ", " + b;
  };

  Editor.prototype.showGuides = function (x, y) {
    var gv = $(this.root, "guide-v"), gh = $(this.root, "guide-h");
    gv.hidden = x === null; gh.hidden = y === null;
    if (x !== null) gv.style.left = (x / this.W * 100) + "%";
    if (y !== null) gh.style.top = (y / this.H * 100) + "%";
  };

  Editor.prototype.onDragEnd = function () {
    var d = this.drag;
    this.drag = null;
    this.showGuides(null, null);
    if (!d || !d.moved) return;
    var t = d.t, st = d.start;
    if (t.left === st.left && t.top === st.top && t.right === st.right && t.bottom === st.bottom) return;
    this.makeCustom();
    this.commit();
    this.say((d.edge ? "Resized " : "Moved ") + (t.stream_id || "tile") + " to " + t.left + ", " + t.top + ", " + (t.right - t.left) + " × " + (t.bottom - t.top) + ".");
  };

  // ---- keyboard

  Editor.prototype.onKey = function (e) {
    var target = e.target;
    var inField = target.matches("input, select, textarea");
    if ((e.ctrlKey || e.metaKey) && !e.altKey && (e.key === "z" || e.key === "Z" || e.key === "y")) {
      if (inField && target.type === "text") return;
      e.preventDefault();
      if (e.key === "y" || e.shiftKey) this.redo(); else this.undo();
      return;
    }
    if (inField && e.key === "Enter") {
      // Never submit the surrounding start form from an editor field; commit the value instead.
      e.preventDefault();
      target.dispatchEvent(new Event("change", { bubbles: true }));
      return;
    }
    var tileEl = target.closest && target.closest(".le-tile");
    if (!tileEl) return;
    var t = this.tileByUid(+tileEl.dataset.uid);
    if (!t) return;
    var step = e.shiftKey ? this.gridStep() : 1;
    var arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (arrows[e.key]) {
      e.preventDefault();
      var dx = arrows[e.key][0] * step, dy = arrows[e.key][1] * step, W = this.W, H = this.H;
      if (e.altKey) {
        var r = clamp(t.right + dx, t.left + 1, W), b = clamp(t.bottom + dy, t.top + 1, H);
        if (this.aspectLocked() && dx) b = clamp(t.top + Math.round((r - t.left) * (t.bottom - t.top) / Math.max(1, t.right - t.left)), t.top + 1, H);
        if (this.aspectLocked() && dy) r = clamp(t.left + Math.round((b - t.top) * (t.right - t.left) / Math.max(1, t.bottom - t.top)), t.left + 1, W);
        this.setRect(t, t.left, t.top, r, b);
      } else {
        var w = t.right - t.left, h = t.bottom - t.top;
        var l = clamp(t.left + dx, 0, Math.max(0, W - w)), tp = clamp(t.top + dy, 0, Math.max(0, H - h));
        if (e.shiftKey && dx) l = clamp(Math.round(l / step) * step, 0, Math.max(0, W - w));
        if (e.shiftKey && dy) tp = clamp(Math.round(tp / step) * step, 0, Math.max(0, H - h));
        this.setRect(t, l, tp, l + w, tp + h);
      }
      this.makeCustom();
      this.commit("key:" + t.uid + (e.altKey ? ":size" : ":move"));
      this.say((e.altKey ? "Size " + (t.right - t.left) + " × " + (t.bottom - t.top) : "Position " + t.left + ", " + t.top) + ".");
    } else if (e.key === "Delete" || e.key === "Backspace") {
      e.preventDefault();
      this.removeSelected();
    } else if (e.key === "PageUp") {
      e.preventDefault();
      this.reorder(e.shiftKey ? "front" : "forward");
    } else if (e.key === "PageDown") {
      e.preventDefault();
      this.reorder(e.shiftKey ? "back" : "backward");
    } else if (e.key === "Escape") {
      this.select(null);
      this.canvas.focus();
    } else if (e.key === "Enter") {
      e.preventDefault();
      $(this.root, "f-x").focus();
      $(this.root, "f-x").select();
    }
  };

  // ---- inspector

  Editor.prototype.bindInspector = function () {
    var self = this, root = this.root;
    this.canvas.tabIndex = -1;
    ["x", "y", "w", "h"].forEach(function (k) {
      var input = $(root, "f-" + k);
      var apply = function (final) {
        var t = self.tileByUid(self.selected);
        if (!t) return;
        var v = parseInt(input.value, 10);
        if (!Number.isFinite(v)) { if (final) { input.dataset.stale = "1"; self.renderInspector(); } return; }
        var w = t.right - t.left, h = t.bottom - t.top, ratio = w / Math.max(1, h);
        if (k === "x") self.setRect(t, v, t.top, v + w, t.bottom);
        if (k === "y") self.setRect(t, t.left, v, t.right, v + h);
        if (k === "w") self.setRect(t, t.left, t.top, t.left + v, self.aspectLocked() ? t.top + Math.round(v / ratio) : t.bottom);
        if (k === "h") self.setRect(t, t.left, t.top, self.aspectLocked() ? t.left + Math.round(v * ratio) : t.right, t.top + v);
        self.makeCustom();
        if (final) { self.commit(); } else { self.serverProblems = null; self.changed(); }
      };
      input.addEventListener("input", function () { apply(false); });
      input.addEventListener("change", function () { apply(true); });
    });
    $(root, "f-stream").addEventListener("change", function (e) {
      var t = self.tileByUid(self.selected);
      if (!t) return;
      var v = e.target.value || null;
      var other = v && self.state.tiles.filter(function (o) { return o.stream_id === v && o !== t; })[0];
      if (other) other.stream_id = t.stream_id; // swap, so a stream stays on the canvas once
      t.stream_id = v;
      self.makeCustom();
      self.commit();
    });
    $(root, "f-fill").addEventListener("change", function (e) {
      var t = self.tileByUid(self.selected);
      if (!t) return;
      t.fill_mode = parseInt(e.target.value, 10) || 1;
      self.makeCustom();
      self.commit();
    });
    $(root, "to-back").addEventListener("click", function () { self.reorder("back"); });
    $(root, "backward").addEventListener("click", function () { self.reorder("backward"); });
    $(root, "forward").addEventListener("click", function () { self.reorder("forward"); });
    $(root, "to-front").addEventListener("click", function () { self.reorder("front"); });
    $(root, "remove").addEventListener("click", function () { self.removeSelected(); });
    $(root, "add-next").addEventListener("click", function () { self.addTile(null); });
  };

  // ---- presets

  Editor.prototype.bindPresets = function () {
    var self = this, root = this.root;
    this.renderPresets();
    $(root, "preset-load").addEventListener("click", function () {
      var p = self.presetById($(root, "preset-select").value);
      if (!p) { self.status("Choose a preset to load.", "warn"); return; }
      self.state = self.fromLayout(p.layout);
      self.selected = null;
      if (self.mode === "start" && p.layout.background_color && self.bind.background_color) {
        var bg = document.getElementById(self.bind.background_color);
        if (bg) bg.value = p.layout.background_color;
      }
      self.commit();
      self.status("Loaded preset “" + p.name + "”" + (p.layout.width && p.layout.width !== self.W ? ", scaled from " + p.layout.width + " × " + p.layout.height : "") + ".", "ok");
    });
    $(root, "preset-save").addEventListener("click", function () { self.savePreset(); });
    $(root, "preset-name").addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); e.stopPropagation(); self.savePreset(); }
    });
    $(root, "preset-delete").addEventListener("click", function () { self.deletePreset(); });
  };

  Editor.prototype.presetById = function (id) {
    return this.presets.filter(function (p) { return String(p.id) === String(id); })[0];
  };

  Editor.prototype.renderPresets = function (chosen) {
    var sel = $(this.root, "preset-select");
    sel.textContent = "";
    var first = el("option", "", this.presets.length ? "— choose a preset —" : "No presets yet");
    first.value = "";
    sel.appendChild(first);
    this.presets.forEach(function (p) {
      var o = el("option", "", p.name + " · " + (p.layout.mix_mode === 1 ? (p.layout.tiles || []).length + " tiles" : MODE_NAMES[p.layout.mix_mode]));
      o.value = p.id;
      sel.appendChild(o);
    });
    if (chosen) sel.value = chosen;
  };

  Editor.prototype.post = function (url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false, message: "The server answered " + response.status + "." }; })
        .then(function (data) { data.httpStatus = response.status; return data; });
    });
  };

  Editor.prototype.savePreset = function () {
    var self = this, name = $(this.root, "preset-name").value.trim();
    if (!name) { this.status("Give the preset a name.", "warn"); $(this.root, "preset-name").focus(); return; }
    var problems = this.problems();
    if (problems.length) { this.status("Fix the layout's problems before saving it.", "bad"); return; }
    var layout = this.toLayout();
    layout.background_color = this.background();
    this.post(this.config.presets_url, { name: name, layout: layout }).then(function (data) {
      if (!data.ok) { self.status(data.message || "Could not save the preset.", "bad"); return; }
      self.presets = data.presets;
      self.renderPresets(data.preset.id);
      $(self.root, "preset-name").value = "";
      self.status("Saved preset “" + data.preset.name + "”.", "ok");
    }).catch(function () { self.status("Could not reach the server to save the preset.", "bad"); });
  };

  Editor.prototype.deletePreset = function () {
    var self = this, p = this.presetById($(this.root, "preset-select").value);
    if (!p) { this.status("Choose a preset to delete.", "warn"); return; }
    if (!window.confirm("Delete the layout preset “" + p.name + "”?")) return;
    this.post(p.delete_url, {}).then(function (data) {
      if (!data.ok) { self.status(data.message || "Could not delete the preset.", "bad"); return; }
      self.presets = data.presets;
      self.renderPresets();
      self.status("Deleted preset “" + p.name + "”.", "ok");
    });
  };

  // ---- live: apply & revert

  Editor.prototype.bindLive = function () {
    var self = this;
    $(this.root, "apply").addEventListener("click", function () { self.apply(); });
    $(this.root, "revert").addEventListener("click", function () {
      self.state = self.fromLayout(self.config.current);
      self.selected = null;
      self.commit();
      self.status("Back to the layout recording now (undo brings your edits back).", "ok");
    });
  };

  Editor.prototype.apply = function () {
    var self = this;
    if (this.busy) return; // one UpdateLayout at a time, however fast the clicks
    var problems = this.problems();
    if (problems.length) {
      this.renderProblems();
      this.status("Nothing was sent: fix the layout's problems first.", "bad");
      return;
    }
    var layout = this.toLayout();
    this.busy = true;
    var button = $(this.root, "apply");
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    this.status("Sending the layout to ZEGO…", "");
    this.post(this.config.apply_url, { layout: layout }).then(function (data) {
      if (data.ok) {
        self.config.current = data.layout;
        self.serverProblems = null;
        self.status("Applied at " + timeNow() + ". ZEGO is recording this layout now.", "ok");
      } else if (data.problems && data.problems.length) {
        self.serverProblems = data.problems;
        self.status(data.message || "The server refused the layout; nothing was sent to ZEGO.", "bad");
      } else {
        self.status("Not applied: " + (data.message || "unknown error"), "bad");
      }
      if (data.ok || data.httpStatus === 502) {
        // The timeline gained an entry (applied or refused by ZEGO): htmx refreshes the history.
        document.body.dispatchEvent(new CustomEvent("layout-applied"));
      }
    }).catch(function () {
      self.status("Could not reach the server; the layout was not applied.", "bad");
    }).then(function () {
      self.busy = false;
      button.removeAttribute("aria-busy");
      self.changed();
    });
  };

  Editor.prototype.status = function (text, tone) {
    var s = $(this.root, "status");
    s.textContent = text;
    s.className = "le-status" + (tone ? " le-status-" + tone : "");
  };

  Editor.prototype.say = function (text) {
    var a = $(this.root, "announce");
    a.textContent = text;
  };

  // ---- start form: the editor writes a hidden field and follows the form's other fields

  Editor.prototype.bindStartForm = function () {
    var self = this, b = this.bind;
    var byId = function (id) { return id ? document.getElementById(id) : null; };
    var res = byId(b.resolution), modeSel = byId(b.mix_mode), fill = byId(b.fill_mode), bg = byId(b.background_color);
    if (res) res.addEventListener("change", function () {
      var parts = res.value.split("x").map(function (v) { return parseInt(v, 10); });
      if (!parts[0] || !parts[1]) return;
      var sx = parts[0] / self.W, sy = parts[1] / self.H;
      self.W = parts[0]; self.H = parts[1];
      self.sizeCanvas();
      self.drawGrid();
      if (self.state.mode === 1) {
        self.state.tiles.forEach(function (t) {
          self.setRect(t, Math.round(t.left * sx), Math.round(t.top * sy), Math.round(t.right * sx), Math.round(t.bottom * sy));
        });
      } else {
        self.state.tiles = templateTiles(self.state.mode, self.streamIds(), self.W, self.H, self.fillDefault(), self.state.big)
          .map(function (t) { t.uid = ++uid; return t; });
      }
      self.commit();
    });
    if (modeSel) modeSel.addEventListener("change", function () {
      var m = parseInt(modeSel.value, 10);
      if (m && m !== self.state.mode) self.startFrom(m);
    });
    if (fill) fill.addEventListener("change", function () {
      if (self.state.mode !== 1) {
        var v = parseInt(fill.value, 10) || 1;
        self.state.tiles.forEach(function (t) { t.fill_mode = v; });
        self.changed();
      }
    });
    if (bg) bg.addEventListener("input", function () { self.renderTiles(); });
    var radios = document.querySelectorAll('input[name="' + (b.record_mode_name || "record_mode") + '"]');
    radios.forEach(function (r) { r.addEventListener("change", function () { self.followRecordMode(); }); });
    this.followRecordMode();
    var form = this.root.closest("form");
    if (form) {
      // Quick feedback: an invalid drawn layout is not even submitted (the server checks again).
      form.addEventListener("submit", function (e) {
        if (e.submitter && e.submitter.name === "save_preset") return;
        var problems = self.state.mode === 1 && !self.root.classList.contains("is-disabled") ? self.problems() : [];
        if (problems.length) {
          e.preventDefault();
          e.stopImmediatePropagation();
          self.renderProblems();
          self.status("Fix the layout before starting the recording.", "bad");
          $(self.root, "problems").scrollIntoView({ block: "center" });
        }
      }, true);
    }
  };

  Editor.prototype.followRecordMode = function () {
    var checked = document.querySelector('input[name="' + (this.bind.record_mode_name || "record_mode") + '"]:checked');
    var single = checked && checked.value === "1";
    this.root.classList.toggle("is-disabled", !!single);
    var note = $(this.root, "start-note");
    if (note) note.textContent = single ? "Single-stream recordings have no layout." : "";
    this.writeForm();
  };

  Editor.prototype.writeForm = function () {
    var hidden = document.getElementById(this.bind.custom_layout);
    var modeSel = document.getElementById(this.bind.mix_mode);
    if (!hidden) return;
    var note = $(this.root, "start-note");
    if (this.state.mode === 1) {
      hidden.value = JSON.stringify({ tiles: this.toLayout().tiles });
      if (note && !this.root.classList.contains("is-disabled")) note.textContent = "This custom layout (MixMode 1) is used when you start the recording.";
    } else {
      hidden.value = "";
      if (modeSel && parseInt(modeSel.value, 10) !== this.state.mode) modeSel.value = String(this.state.mode);
      if (note && !this.root.classList.contains("is-disabled")) note.textContent = "ZEGO's " + MODE_NAMES[this.state.mode].toLowerCase() + " template is used; edit a tile to make a custom layout.";
    }
  };

  // ------------------------------------------------------------------ boot

  function boot(scope) {
    (scope || document).querySelectorAll("[data-layout-editor]").forEach(function (root) {
      if (root.layoutEditor) return;
      try { new Editor(root); }
      catch (err) { root.classList.add("le-broken"); if (window.console) console.error(err); }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { boot(); });
  else boot();
  document.addEventListener("htmx:load", function (e) { boot(e.detail && e.detail.elt); });
})();
