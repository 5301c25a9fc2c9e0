// SPDX-License-Identifier: BSD-2-Clause
// The page of `elog --report`: draws the connections of the JSON document
// in #elog-data with uPlot (inlined before this script). It knows nothing
// of any protocol: graphs, series and their styles come from the provider.
//
// Large captures: every series is kept whole, and what is drawn is thinned
// to the pixels of the visible time range (per pixel column the first,
// lowest, highest and last point), so a zoomed-out view of a million events
// draws a few thousand points and a zoomed-in one every point. Markers
// (style "mark") are never thinned. The number of points each graph drew
// is written under it (and into window.elogReport for tests).
(function () {
  'use strict';
  var start = performance.now();
  var app = document.getElementById('app');
  var report = { graphs: [], connections: 0, ready: false, timing: { start_ms: start } };
  var data;
  window.elogReport = report;

  // Documents come gzip-compressed in base64, inflated with fflate
  // (inlined before this script): the list of connections in #elog-data,
  // each connection's graphs in its own script element, read when drawn.
  // A connection's document is JSON; the numbers of its series and its
  // timeline are byte streams in parts of their own (one per graph, one
  // for the timeline; the JSON names each stream by [offset, count]), as
  // are the timeline's decoded texts: each is inflated when it is drawn.
  function inflate(node) {
    var bin = atob(node.textContent);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return fflate.gunzipSync(bytes);
  }
  function load() {
    return Promise.resolve(JSON.parse(new TextDecoder().decode(inflate(document.getElementById('elog-data')))));
  }
  function loadBody(c) {
    var node = document.querySelector('script.elog-conn[data-index="' + c.index + '"]');
    var body = JSON.parse(new TextDecoder().decode(inflate(node)));
    c.tEnd = body.t_end;
    c.graphs = body.graphs;
    c.spans = body.spans;
    c.timeline = body.timeline;
  }
  function loadPart(c, part) {
    var node = document.querySelector('script.elog-part[data-index="' + c.index + '"][data-part="' + part + '"]');
    if (node === null) throw new Error('connection ' + c.index + ': no part ' + part);
    return inflate(node);
  }

  // A stream of zigzag LEB128 varints: count values from offset, into a
  // Float64Array (exact up to 2^53, beyond any step elog writes), each the
  // sum of the ones before when `steps`. Values of up to four bytes (most
  // take one or two) in 32-bit integer arithmetic, longer ones apart in
  // doubles (mixing the two in one loop makes the compiled loop start over).
  var longEnd = 0;
  function longVarint(b, p) {
    var u = 0, mul = 1, x;
    do {
      if (p >= b.length) throw new Error('numbers cut short');
      x = b[p++];
      u += (x & 127) * mul;
      mul *= 128;
    } while (x & 128);
    longEnd = p;
    return u % 2 === 1 ? -(u + 1) / 2 : u / 2;
  }
  function varints(b, ref, steps) {
    var n = ref[1], out = new Float64Array(n), p = ref[0], end = b.length, acc = 0;
    for (var i = 0; i < n; i++) {
      if (p + 4 > end) {
        // The stream's last few bytes: the careful reading.
        out[i] = longVarint(b, p);
        p = longEnd;
      } else {
        var x = b[p], u = x & 127;
        if (x < 128) {
          p += 1;
        } else {
          x = b[p + 1];
          u |= (x & 127) << 7;
          if (x < 128) {
            p += 2;
          } else {
            x = b[p + 2];
            u |= (x & 127) << 14;
            if (x < 128) {
              p += 3;
            } else {
              x = b[p + 3];
              u |= (x & 127) << 21;
              p += 4;
              if (x >= 128) u = -1;
            }
          }
        }
        if (u >= 0) {
          out[i] = (u >>> 1) ^ -(u & 1);
        } else {
          out[i] = longVarint(b, p - 4);
          p = longEnd;
        }
      }
      if (steps) { acc += out[i]; out[i] = acc; }
    }
    return out;
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Axis numbers in SI steps (1.5M, 20k): bytes and bit/s get large.
  function si(v) {
    var a = Math.abs(v), u = ['', 'k', 'M', 'G', 'T'], k = 0;
    while (a >= 1000 && k < u.length - 1) { a /= 1000; v /= 1000; k++; }
    return (Math.round(v * 100) / 100) + u[k];
  }

  function fmt(v) {
    return v === null || v === undefined ? '-' : String(v);
  }

  // First index with t[i] >= x (t sorted).
  function lower(t, x) {
    var lo = 0, hi = t.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (t[mid] < x) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  // Times come as microsecond steps (dt), whole-number values as steps too
  // (dy), ranges as lengths (len; lenf when not whole numbers).
  function decode(s, b) {
    var t = varints(b, s.dt, true), n = t.length;
    for (var i = 0; i < n; i++) t[i] /= 1e6;
    s.t = t;
    delete s.dt;
    if (s.dy) {
      s.y = varints(b, s.dy, true);
      delete s.dy;
    }
    if (s.len || s.lenf) {
      var len = s.len ? varints(b, s.len, false) : s.lenf, y2 = new Float64Array(n);
      for (var j = 0; j < n; j++) y2[j] = s.y[j] + len[j];
      s.y2 = y2;
      delete s.len;
      delete s.lenf;
    }
  }

  // Series sorted by time (elog sorts them; a page made otherwise is
  // sorted here).
  function sortSeries(s) {
    var n = s.t.length, ok = true;
    for (var i = 1; i < n && ok; i++) ok = s.t[i - 1] <= s.t[i];
    if (ok) return;
    var idx = Array.prototype.map.call(s.t, function (_, i) { return i; });
    idx.sort(function (a, b) { return s.t[a] - s.t[b] || a - b; });
    ['t', 'y', 'y2'].forEach(function (f) {
      if (s[f]) s[f] = Float64Array.from(idx, function (i) { return s[f][i]; });
    });
  }

  // Indices of the points of [i0, i1) to draw for `px` pixel columns: all
  // of them when they are few, else per column the first, lowest, highest
  // (of y2 for a range) and last, in time order.
  function thin(s, i0, i1, x0, x1, px) {
    var out = [], t = s.t, y = s.y, y2 = s.y2 || s.y;
    if (i1 - i0 <= 4 * px) {
      for (var i = i0; i < i1; i++) out.push(i);
      return out;
    }
    var w = (x1 - x0) / px, col = -1, first = 0, lo = 0, hi = 0, last = 0;
    function flush() {
      // first <= lo, hi <= last: emit the distinct ones in index order.
      var a = lo < hi ? lo : hi, b = lo < hi ? hi : lo;
      out.push(first);
      if (a !== first) out.push(a);
      if (b !== a && b !== first) out.push(b);
      if (last !== b && last !== first) out.push(last);
    }
    for (var j = i0; j < i1; j++) {
      var c = Math.floor((t[j] - x0) / w);
      if (c !== col) {
        if (col >= 0) flush();
        col = c; first = lo = hi = last = j;
      } else {
        last = j;
        if (y[j] < y[lo]) lo = j;
        if (y2[j] > y2[hi]) hi = j;
      }
    }
    if (col >= 0) flush();
    return out;
  }

  function connectionTitle(c) {
    var s = c.summary;
    return (s[0] ? fmt(s[0][1]) : '') + ' \u2192 ' + (s[1] ? fmt(s[1][1]) : '') +
      ' (' + c.provider + ' session ' + c.session + ')';
  }

  // The list of connections, most trouble first, each row a link.
  function connectionList() {
    var sec = el('section', { id: 'connections' });
    sec.appendChild(el('h2', {}, 'Connections (most trouble first)'));
    var table = el('table', { class: 'list' });
    var head = el('tr');
    head.appendChild(el('th', {}, '#'));
    data.connections[0].summary.forEach(function (f) { head.appendChild(el('th', {}, f[0])); });
    table.appendChild(head);
    data.connections.forEach(function (c) {
      var tr = el('tr');
      var td = el('td');
      var a = el('a', { href: '#conn-' + c.index }, String(c.index + 1));
      td.appendChild(a);
      tr.appendChild(td);
      c.summary.forEach(function (f) { tr.appendChild(el('td', {}, fmt(f[1]))); });
      table.appendChild(tr);
    });
    var scroll = el('div', { class: 'scroll' });
    scroll.appendChild(table);
    sec.appendChild(scroll);
    app.appendChild(sec);
  }

  var WIDTH = Math.max(600, Math.min(1400, (window.innerWidth || 1200) - 60));

  // One connection: its summary, its graphs and its timeline, all on one
  // time axis: zooming or panning one moves them all.
  function connection(c) {
    var sec = el('section', { id: 'conn-' + c.index, class: 'conn' });
    sec.appendChild(el('h2', {}, connectionTitle(c)));
    var dl = el('div', { class: 'summary' });
    c.summary.forEach(function (f) {
      var item = el('div', { class: 'kv' });
      item.appendChild(el('span', { class: 'k' }, f[0]));
      item.appendChild(el('span', { class: 'v' }, fmt(f[1])));
      dl.appendChild(item);
    });
    sec.appendChild(dl);
    sec.appendChild(el('p', { class: 'help' },
      'Drag to zoom, wheel to zoom around the pointer, shift+wheel to pan, double-click to see it all.'));
    app.appendChild(sec);
    var note = el('p', { class: 'points pending' }, 'Graphs are drawn when this connection is scrolled into view.');
    sec.appendChild(note);
    pending.push({ sec: sec, draw: function () { sec.removeChild(note); connectionGraphs(c, sec); } });
  }

  // A connection's graphs, drawn when its section comes near the screen
  // (or at once for the first), and each graph when it comes near the
  // screen itself (or at once when it is on the first screen): opening a
  // report costs what its first screen shows.
  function connectionGraphs(c, sec) {
    loadBody(c);
    var tmax = c.tEnd > 0 ? c.tEnd : 1e-3;
    var rows = c.timeline.rows;
    var lazy = [];
    var view = { x0: 0, x1: tmax };
    var plots = [];
    var syncing = false;

    function setView(x0, x1) {
      if (x1 - x0 < 1e-6) x1 = x0 + 1e-6;
      view.x0 = x0; view.x1 = x1;
      syncing = true;
      plots.forEach(function (p) { p.update(); });
      syncing = false;
    }

    function addPlot(container, graph, build) {
      var p = build();
      plots.push(p);
      var over = p.u.over;
      over.addEventListener('wheel', function (e) {
        e.preventDefault();
        var span = view.x1 - view.x0;
        if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
          var d = (e.shiftKey ? e.deltaY : e.deltaX) > 0 ? span * 0.2 : -span * 0.2;
          setView(view.x0 + d, view.x1 + d);
        } else {
          var at = p.u.posToVal(e.offsetX, 'x');
          var f = e.deltaY > 0 ? 1.25 : 0.8;
          setView(at - (at - view.x0) * f, at + (view.x1 - at) * f);
        }
      }, { passive: false });
      over.addEventListener('dblclick', function () { setView(0, tmax); });
      return p;
    }

    function makeGraph(g, gi) {
      var box = el('div', { class: 'graph' });
      box.appendChild(el('h3', {}, g.title + ' [' + g.unit + ']'));
      var holder = el('div');
      box.appendChild(holder);
      var caption = el('p', { class: 'points' });
      box.appendChild(caption);
      sec.appendChild(box);
      var stat = { connection: c.index, graph: gi, title: g.title, points: 0, series: {}, drawn: false };
      report.graphs.push(stat);
      holder.style.minHeight = '300px';
      lazy.push({ box: box, stat: stat, build: function () {
        var numbers = loadPart(c, gi);
        g.series.forEach(function (s) { decode(s, numbers); sortSeries(s); });
        holder.style.minHeight = '';
        stat.drawn = true;
        buildGraph();
      } });
      var lineSeries = g.series.filter(function (s) { return s.style !== 'range' && s.style !== 'mark'; });
      var drawn = g.series.filter(function (s) { return s.style === 'range' || s.style === 'mark'; });
      var yr = [0, 1];

      function compute() {
        var tables = [], counts = {}, lo = Infinity, hi = -Infinity;
        lineSeries.forEach(function (s) {
          var i0 = Math.max(0, lower(s.t, view.x0) - 1), i1 = Math.min(s.t.length, lower(s.t, view.x1) + 1);
          var idx = thin(s, i0, i1, view.x0, view.x1, WIDTH);
          var xs = new Array(idx.length), ys = new Array(idx.length);
          for (var k = 0; k < idx.length; k++) {
            var v = s.y[idx[k]];
            xs[k] = s.t[idx[k]];
            ys[k] = v;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
          counts[s.name] = idx.length;
          tables.push([xs, ys]);
        });
        drawn.forEach(function (s) {
          var i0 = lower(s.t, view.x0), i1 = lower(s.t, view.x1 + 1e-9);
          var idx = s.style === 'mark' ? null : thin(s, i0, i1, view.x0, view.x1, WIDTH);
          s.view = idx || [];
          if (!idx) for (var i = i0; i < i1; i++) s.view.push(i);
          counts[s.name] = s.view.length;
          s.view.forEach(function (i) {
            var a = s.y[i], b = s.y2 ? s.y2[i] : a;
            if (a < lo) lo = a;
            if (b > hi) hi = b;
          });
        });
        if (!isFinite(lo)) { lo = 0; hi = 1; }
        if (hi === lo) hi = lo + 1;
        var pad = (hi - lo) * 0.05;
        yr = [lo - pad, hi + pad];
        var joined = tables.length ? uPlot.join(tables) : [[view.x0, view.x1]];
        stat.series = counts;
        stat.points = Object.keys(counts).reduce(function (a, k) { return a + counts[k]; }, 0);
        var marks = drawn.filter(function (s) { return s.style === 'mark'; });
        stat.marks = {};
        marks.forEach(function (s) { stat.marks[s.name] = counts[s.name]; });
        caption.textContent = stat.points + ' points drawn' +
          Object.keys(counts).map(function (k) { return '; ' + k + ': ' + counts[k]; }).join('');
        caption.setAttribute('data-points', String(stat.points));
        return joined;
      }

      function drawExtra(u) {
        var ctx = u.ctx;
        ctx.save();
        ctx.beginPath();
        ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
        ctx.clip();
        drawn.forEach(function (s) {
          ctx.strokeStyle = s.color;
          ctx.fillStyle = s.color;
          ctx.lineWidth = s.style === 'mark' ? 1.5 : 2;
          ctx.beginPath();
          s.view.forEach(function (i) {
            var x = u.valToPos(s.t[i], 'x', true);
            var y0 = u.valToPos(s.y[i], 'y', true);
            if (s.style === 'mark') {
              var r = 4 * (window.devicePixelRatio || 1);
              ctx.moveTo(x - r, y0 - r); ctx.lineTo(x + r, y0 + r);
              ctx.moveTo(x - r, y0 + r); ctx.lineTo(x + r, y0 - r);
            } else {
              var y1 = u.valToPos(s.y2[i], 'y', true);
              ctx.moveTo(x, y0); ctx.lineTo(x, Math.min(y1, y0 - 1));
            }
          });
          ctx.stroke();
        });
        ctx.restore();
      }

      function drawSpans(u) {
        var ctx = u.ctx;
        ctx.save();
        c.spans.forEach(function (sp) {
          if (sp[1] < view.x0 || sp[0] > view.x1) return;
          var x0 = u.valToPos(Math.max(sp[0], view.x0), 'x', true);
          var x1 = u.valToPos(Math.min(sp[1], view.x1), 'x', true);
          ctx.fillStyle = /RTO/.test(sp[2]) ? 'rgba(214,39,40,0.18)' :
            /TLP/.test(sp[2]) ? 'rgba(148,103,189,0.25)' : 'rgba(255,187,120,0.25)';
          ctx.fillRect(x0, u.bbox.top, Math.max(2, x1 - x0), u.bbox.height);
        });
        ctx.restore();
      }

      function buildGraph() {
        addPlot(holder, g, function () {
        var series = [{ label: 'time [s]', value: function (u, v) { return v == null ? '-' : v.toFixed(6); } }];
        lineSeries.forEach(function (s) {
          var o = { label: s.name, stroke: s.color, spanGaps: true, width: 1.5 };
          if (s.style === 'step') o.paths = uPlot.paths.stepped({ align: 1 });
          if (s.style === 'points') { o.paths = function () { return null; }; o.points = { show: true, size: 3, fill: s.color }; }
          else o.points = { show: false };
          series.push(o);
        });
        var opts = {
          width: WIDTH, height: 260,
          scales: {
            x: { time: false, range: function () { return [view.x0, view.x1]; } },
            y: { range: function () { return yr; } },
          },
          axes: [{ label: 'time since the first event [s]' },
            { size: 70, values: function (u, vals) { return vals.map(si); } }],
          series: series,
          legend: { live: true },
          cursor: { drag: { x: true, y: false, setScale: false } },
          hooks: {
            drawClear: [drawSpans],
            draw: [drawExtra],
            setSelect: [function (u) {
              if (u.select.width > 2) {
                var a = u.posToVal(u.select.left, 'x'), b = u.posToVal(u.select.left + u.select.width, 'x');
                u.setSelect({ width: 0, height: 0 }, false);
                setView(a, b);
              }
            }],
          },
        };
        var u = new uPlot(opts, compute(), holder);
        // Markers and ranges are in the legend too, drawn by drawExtra.
        drawn.forEach(function (s) {
          var key = el('div', { class: 'extra-key' });
          var sw = el('span', { class: 'swatch' }, s.style === 'mark' ? '\u00d7' : '|');
          sw.style.color = s.color;
          key.appendChild(sw);
          key.appendChild(document.createTextNode(' ' + s.name));
          holder.appendChild(key);
        });
        return {
          u: u,
          update: function () { u.setData(compute(), true); },
        };
        });
      }
    }

    c.graphs.forEach(makeGraph);

    // The timeline: one row per event name, each event a dot; hovering
    // shows the event decoded.
    (function () {
      var box = el('div', { class: 'graph timeline' });
      box.appendChild(el('h3', {}, 'Events (hover for the decoded event)'));
      var holder = el('div');
      box.appendChild(holder);
      var hover = el('pre', { class: 'hover' }, ' ');
      var caption = el('p', { class: 'points' });
      box.appendChild(caption);
      box.appendChild(hover);
      sec.appendChild(box);
      var stat = { connection: c.index, graph: 'timeline', title: 'Events', points: 0, series: {}, drawn: false };
      report.graphs.push(stat);
      var names = rows.map(function (r) { return r.name; });
      var height = Math.max(160, 22 * names.length + 60), nevents = 0, texts = null;
      holder.style.minHeight = (height + 20) + 'px';
      lazy.push({ box: box, stat: stat, build: function () {
        // One row per event name, each in time order.
        var numbers = loadPart(c, c.graphs.length);
        rows.forEach(function (r) {
          decode(r, numbers);
          for (var q = 1; q < r.t.length; q++)
            if (r.t[q] < r.t[q - 1]) throw new Error('timeline not in time order');
          // The positions of the row's events that have their text: steps.
          r.tx = varints(numbers, r.tx, true);
          nevents += r.t.length;
        });
        holder.style.minHeight = '';
        stat.drawn = true;
        buildTimeline();
      } });
      var perName = rows;
      function colour(k) { return 'hsl(' + (k * 47 % 360) + ',60%,45%)'; }
      // One dot per pixel column and event name: a row's events share y,
      // so more would draw the same pixels.
      function visible(s) {
        var i0 = lower(s.t, view.x0), i1 = lower(s.t, view.x1 + 1e-9), out = [];
        if (i1 - i0 <= WIDTH) {
          for (var j = i0; j < i1; j++) out.push(s.t[j]);
          return out;
        }
        var w = (view.x1 - view.x0) / WIDTH, col = -1;
        for (var q = i0; q < i1; q++) {
          var c2 = Math.floor((s.t[q] - view.x0) / w);
          if (c2 !== col) { col = c2; out.push(s.t[q]); }
        }
        return out;
      }
      function compute() {
        var counts = {}, total = 0;
        perName.forEach(function (s, k) {
          s.view = visible(s);
          counts[names[k]] = s.view.length;
          total += s.view.length;
        });
        stat.points = total;
        stat.series = counts;
        caption.textContent = total + ' points drawn (' + nevents + ' events)';
        caption.setAttribute('data-points', String(total));
        return [[view.x0, view.x1], [null, null]];
      }
      function dots(u) {
        var ctx = u.ctx, r = 2.5 * (window.devicePixelRatio || 1);
        ctx.save();
        perName.forEach(function (s, k) {
          var y = u.valToPos(k, 'y', true);
          ctx.fillStyle = colour(k);
          s.view.forEach(function (t) { ctx.fillRect(u.valToPos(t, 'x', true) - r, y - r, 2 * r, 2 * r); });
        });
        ctx.restore();
      }
      function buildTimeline() {
      addPlot(holder, null, function () {
        var series = [{ label: 'time [s]' }, { label: 'events', paths: function () { return null; }, points: { show: false } }];
        var u = new uPlot({
          width: WIDTH, height: height,
          scales: { x: { time: false, range: function () { return [view.x0, view.x1]; } },
            y: { range: function () { return [-0.5, Math.max(0.5, names.length - 0.5)]; } } },
          axes: [{ label: 'time since the first event [s]' },
            { size: 150, splits: function () { return names.map(function (_, k) { return k; }); },
              values: function (u, v) { return v.map(function (k) { return names[k] || ''; }); } }],
          series: series,
          legend: { show: false },
          cursor: { drag: { x: true, y: false, setScale: false } },
          hooks: {
            draw: [dots],
            setCursor: [function (u) {
              if (u.cursor.left == null || u.cursor.left < 0) return;
              var x = u.posToVal(u.cursor.left, 'x');
              // The event nearest in time, of any row (the first row's
              // on a tie).
              var best = null, bi = -1, bd = Infinity, br = -1;
              rows.forEach(function (r, k) {
                var i = lower(r.t, x);
                if (i > 0 && (i === r.t.length || x - r.t[i - 1] < r.t[i] - x)) i--;
                if (i < r.t.length && Math.abs(r.t[i] - x) < bd) { best = r; bi = i; br = k; bd = Math.abs(r.t[i] - x); }
              });
              if (best === null) return;
              // The texts: one list per row, read the first time.
              if (texts === null) texts = JSON.parse(new TextDecoder().decode(loadPart(c, 'text')));
              var j = lower(best.tx, bi);
              var text = j < best.tx.length && best.tx[j] === bi ? texts[br][j] :
                '(decoded text kept for the first ' + data.text_max + ' events of a connection only)';
              hover.textContent = best.t[bi].toFixed(6) + ' s  ' + best.name + '  ' + text;
            }],
            setSelect: [function (u) {
              if (u.select.width > 2) {
                var a = u.posToVal(u.select.left, 'x'), b = u.posToVal(u.select.left + u.select.width, 'x');
                u.setSelect({ width: 0, height: 0 }, false);
                setView(a, b);
              }
            }],
          },
        }, compute(), holder);
        return { u: u, update: function () { u.setData(compute(), true); } };
      });
      }
    })();

    // What is on the screen now is drawn now; the rest when it comes
    // near. Each drawn graph takes the place its placeholder held, so the
    // ones after it keep their place.
    var screen = window.innerHeight || 900;
    lazy.forEach(function (item) {
      var r = item.box.getBoundingClientRect();
      lazyGraphs.push(item);
      if (r.bottom > 0 && r.top < screen) buildLazy(item);
      else if (graphObserver) graphObserver.observe(item.box);
      else buildLazy(item);
    });
  }

  // Graphs not drawn yet, each drawn once when it comes near the screen.
  var lazyGraphs = [];
  function buildLazy(item) {
    if (item.done) return;
    item.done = true;
    var t = performance.now();
    item.build();
    item.stat.build_ms = Math.round(performance.now() - t);
  }
  var graphObserver = 'IntersectionObserver' in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (e) {
      if (!e.isIntersecting) return;
      lazyGraphs.forEach(function (item) { if (item.box === e.target) buildLazy(item); });
      graphObserver.unobserve(e.target);
    });
  }, { rootMargin: '300px' }) : null;

  var pending = [];
  function drawPending(p) {
    if (p.done) return;
    p.done = true;
    p.draw();
  }
  // Everything at once (for a screenshot of the whole page, or a test).
  report.drawAll = function () {
    pending.forEach(drawPending);
    lazyGraphs.forEach(buildLazy);
  };

  load().then(function (d) {
    data = d;
    report.connections = data.connections.length;
    report.timing.load_ms = performance.now() - start;
    var h1 = el('h1', {}, 'elog report: ' + data.title);
    app.appendChild(h1);
    if (data.connections.length === 0) {
      app.appendChild(el('p', { id: 'empty' }, 'No connection in this capture: nothing to draw.'));
    } else {
      connectionList();
      data.connections.forEach(connection);
      drawPending(pending[0]);
      if ('IntersectionObserver' in window) {
        var io = new IntersectionObserver(function (entries) {
          entries.forEach(function (e) {
            if (!e.isIntersecting) return;
            pending.forEach(function (p) { if (p.sec === e.target) drawPending(p); });
            io.unobserve(e.target);
          });
        }, { rootMargin: '600px' });
        pending.forEach(function (p) { if (!p.done) io.observe(p.sec); });
      } else {
        report.drawAll();
      }
    }
    report.timing.script_ms = performance.now() - start;
    report.ready = true;
    document.body.setAttribute('data-ready', '1');
  }).catch(function (e) {
    app.appendChild(el('p', { id: 'error' }, 'This report cannot be read: ' + e));
    throw e;
  });
})();
