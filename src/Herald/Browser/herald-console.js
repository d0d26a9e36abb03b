/* Herald console: the streams, a chart of events/s and subscribers, and a live tail that uses /herald.js. */
(function () {
  'use strict';

  var streamsUrl = document.body.getAttribute('data-streams');
  var pollMs = 2000;
  var keepMs = 5 * 60 * 1000;
  var tailRows = 200;
  var previous = {};   // name -> { last, at }: for the publish rate
  var samples = [];    // { at, rate, subscribers } for the chart
  var chosen = [];     // the tailed streams, as in the hash: #stream=orders or #stream=orders,prices
  var subscription = null;
  var $ = function (id) { return document.getElementById(id); };

  function cell(row, text, className) {
    var td = row.insertCell();
    td.textContent = text;
    if (className) { td.className = className; }
    return td;
  }

  // Follows `next` for at most 10 pages: the console is for a look, not for a million streams.
  function listStreams(after, pages, found) {
    var url = streamsUrl + '?limit=1000' + (after ? '&after=' + encodeURIComponent(after) : '');
    return fetch(url, { cache: 'no-store' }).then(function (r) {
      if (!r.ok) { throw new Error('GET ' + streamsUrl + ': ' + r.status); }
      return r.json();
    }).then(function (page) {
      found = found.concat(page.streams);
      return page.next && pages > 1 ? listStreams(page.next, pages - 1, found) : { streams: found, more: !!page.next };
    });
  }

  function poll() {
    listStreams(null, 10, []).then(function (result) {
      var now = Date.now();
      var body = $('streams').tBodies[0];
      var totalRate = 0;
      var totalSubscribers = 0;
      body.textContent = '';
      result.streams.forEach(function (s) {
        var before = previous[s.name];
        var rate = before && now > before.at ? Math.max(0, (s.last - before.last) * 1000 / (now - before.at)) : 0;
        previous[s.name] = { last: s.last, at: now };
        totalRate += rate;
        totalSubscribers += s.subscribers;
        var row = body.insertRow();
        row.dataset.stream = s.name;
        if (chosen.indexOf(s.name) >= 0) { row.className = 'chosen'; }
        cell(row, s.name);
        cell(row, s.first == null ? '–' : String(s.first), 'n');
        cell(row, String(s.last), 'n');
        cell(row, String(s.subscribers), 'n');
        cell(row, rate.toFixed(rate < 10 ? 1 : 0), 'n');
        // A click tails this stream; Ctrl/⌘-click adds it to (or takes it out of) the streams tailed together.
        row.onclick = function (e) {
          var next = [s.name];
          if (e.ctrlKey || e.metaKey) {
            next = chosen.indexOf(s.name) >= 0 ? chosen.filter(function (n) { return n !== s.name; }) : chosen.concat(s.name);
          }
          location.hash = 'stream=' + next.map(encodeURIComponent).join(',');
        };
      });
      $('streams-note').textContent = result.streams.length + (result.more ? '+' : '') + ' on this store';
      samples.push({ at: now, rate: totalRate, subscribers: totalSubscribers });
      while (samples.length && samples[0].at < now - keepMs) { samples.shift(); }
      draw();
    }, function (err) {
      $('streams-note').textContent = String(err.message || err);
    }).then(function () { setTimeout(poll, pollMs); });
  }

  // Two lines on one canvas, each scaled to its own maximum (labelled on its side), drawn by hand: no chart library.
  function draw() {
    var canvas = $('chart');
    var ratio = window.devicePixelRatio || 1;
    var width = canvas.clientWidth || canvas.width;
    var height = canvas.clientHeight || canvas.height;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    var g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    var pad = { left: 44, right: 44, top: 10, bottom: 20 };
    var plotW = width - pad.left - pad.right;
    var plotH = height - pad.top - pad.bottom;
    var now = Date.now();
    var style = getComputedStyle(document.documentElement);
    g.font = '11px system-ui, sans-serif';
    g.strokeStyle = style.getPropertyValue('--line');
    g.fillStyle = style.getPropertyValue('--muted');
    for (var i = 0; i <= 5; i++) {
      var x = pad.left + plotW * i / 5;
      g.beginPath(); g.moveTo(x, pad.top); g.lineTo(x, pad.top + plotH); g.stroke();
      g.fillText(i === 5 ? 'now' : '-' + (5 - i) + ' min', x - 16, height - 5);
    }
    function line(key, color, side) {
      var max = Math.max(1, Math.max.apply(null, samples.map(function (s) { return s[key]; })));
      g.strokeStyle = color;
      g.fillStyle = color;
      g.lineWidth = 2;
      g.beginPath();
      samples.forEach(function (s, n) {
        var px = pad.left + plotW * (1 - (now - s.at) / keepMs);
        var py = pad.top + plotH * (1 - s[key] / max);
        if (n === 0) { g.moveTo(px, py); } else { g.lineTo(px, py); }
      });
      g.stroke();
      g.lineWidth = 1;
      var label = max >= 100 ? max.toFixed(0) : max.toFixed(1);
      g.fillText(label, side === 'left' ? 4 : width - pad.right + 4, pad.top + 10);
      g.fillText('0', side === 'left' ? 4 : width - pad.right + 4, pad.top + plotH);
    }
    line('rate', style.getPropertyValue('--accent'), 'left');
    line('subscribers', style.getPropertyValue('--subs'), 'right');
  }

  function show(state, text) {
    var badge = $('connection');
    badge.className = 'state ' + state;
    badge.textContent = text;
  }

  function seconds(ms) {
    return ms < 10000 ? (ms / 1000).toFixed(1) + ' s' : Math.round(ms / 1000) + ' s';
  }

  // The tail of several streams reports composite positions ('orders:3,prices:2') and the streams' last IDs at connect.
  function onStreamsStatus(s) {
    switch (s.state) {
      case 'open': show('live', 'live at ' + s.streams.map(function (x) { return x.stream + ':' + x.last; }).join(',')); break;
      case 'resumed': show('live', 'resumed at ' + s.resumedAt + ' after ' + seconds(s.afterMs)); break;
      default: onStatus(s);
    }
  }

  function onStatus(s) {
    switch (s.state) {
      case 'connecting': show('waiting', s.attempt ? 'connecting (attempt ' + (s.attempt + 1) + ')…' : 'connecting…'); break;
      case 'open': show('live', 'live at ' + s.last); break;
      case 'resumed': show('live', 'resumed at ' + s.resumedAt + ' after ' + seconds(s.afterMs) + ', ' + s.missed + ' missed'); break;
      case 'retrying': show('waiting', 'connection lost at ' + s.lastEventId + (s.httpStatus ? ' (HTTP ' + s.httpStatus + ')' : '') + '; retrying in ' + seconds(s.delayMs)); break;
      case 'unauthorized': show('stopped', 'unauthorized: the token was refused'); break;
      case 'forbidden': show('stopped', 'forbidden: the token does not list this stream'); break;
      case 'rejected': show('stopped', 'rejected (HTTP 400): the request names an invalid stream, position or type'); break;
      case 'closed': show('idle', 'closed'); break;
      default: show('idle', s.state);
    }
  }

  function addRow(cells, className) {
    var body = $('tail').tBodies[0];
    var row = body.insertRow(0);
    if (className) { row.className = className; }
    cells.forEach(function (c) { cell(row, c[0], c[1]); });
    while (body.rows.length > tailRows) { body.deleteRow(body.rows.length - 1); }
  }

  // The tail shows the stream's last 20 events, then live ones. EventSource only hands out events whose type it
  // listens for, so the types seen in the recent history are listened for (untyped events always are).
  function tail(name) {
    $('tail').className = '';
    $('tail-name').textContent = name;
    var streamUrl = streamsUrl + '/' + encodeURIComponent(name);
    fetch(streamUrl + '/info', { cache: 'no-store' }).then(function (r) { return r.json(); }).then(function (info) {
      var from = Math.max(0, info.last - 20);
      return fetch(streamUrl + '/events?limit=1000&after=' + Math.max(0, info.last - 1000), { cache: 'no-store' })
        .then(function (r) { return r.json(); })
        .then(function (page) {
          var types = {};
          page.events.forEach(function (e) { if (e.event) { types[e.event] = true; } });
          return { from: from, epoch: info.epoch, types: Object.keys(types) };
        });
    }).then(function (start) {
      if (chosen.join(',') !== name) { return; }
      subscription = Herald.subscribe(streamUrl, {
        lastEventId: start.from,
        epoch: start.epoch,
        types: start.types,
        onEvent: function (e) {
          // Keeps a resume message up until the next one; otherwise the badge follows the newest ID.
          if (/^live at /.test($('connection').textContent)) { show('live', 'live at ' + e.id); }
          addRow([[String(e.id), 'n'], [e.type === 'message' ? '' : e.type], [e.data, 'data']]);
        },
        onGap: function (g) { addRow([['', 'n'], ['gap'], ['events ' + g.from + '–' + g.to + ' were trimmed before they could be read']], 'notice'); },
        onReset: function (r) { addRow([['', 'n'], ['reset'], ['the store was replaced (epoch ' + r.epoch + '); replaying from its start']], 'notice'); },
        onStatus: onStatus
      });
    }, function (err) { show('stopped', String(err.message || err)); });
  }

  // Several streams: one Herald.subscribe({ streams }) connection to /subscribe (the streams prefix's sibling), each
  // starting 20 events back; it reads every frame itself, so no event types need to be known beforehand.
  function tailSeveral(names) {
    $('tail').className = 'several';
    $('tail-name').textContent = names.join(', ');
    var subscribeUrl = streamsUrl.replace(/\/[^\/]*$/, '') + '/subscribe';
    Promise.all(names.map(function (name) {
      return fetch(streamsUrl + '/' + encodeURIComponent(name) + '/info', { cache: 'no-store' }).then(function (r) { return r.json(); });
    })).then(function (infos) {
      if (chosen.join(',') !== names.join(',')) { return; }
      subscription = Herald.subscribe({
        streams: names,
        url: subscribeUrl,
        lastEventId: names.map(function (name, i) { return name + ':' + Math.max(0, infos[i].last - 20); }).join(','),
        epoch: infos[0].epoch,
        onEvent: function (e) {
          if (/^live at /.test($('connection').textContent)) { show('live', 'live at ' + e.lastEventId); }
          addRow([[e.stream, 'stream'], [String(e.id), 'n'], [e.type === 'message' ? '' : e.type], [e.data, 'data']]);
        },
        onGap: function (g) { addRow([[g.stream, 'stream'], ['', 'n'], ['gap'], ['events ' + g.from + '–' + g.to + ' were trimmed before they could be read']], 'notice'); },
        onReset: function (r) { addRow([[r.stream, 'stream'], ['', 'n'], ['reset'], ['the store was replaced (epoch ' + r.epoch + '); replaying from its start']], 'notice'); },
        onStatus: onStreamsStatus
      });
    }, function (err) { show('stopped', String(err.message || err)); });
  }

  function fromHash() {
    var match = /stream=([^&]+)/.exec(location.hash);
    var names = [];
    (match ? decodeURIComponent(match[1]) : '').split(',').forEach(function (n) { if (n && names.indexOf(n) < 0) { names.push(n); } });
    if (!names.length || names.join(',') === chosen.join(',')) { return; }
    if (subscription) { subscription.close(); subscription = null; }
    chosen = names;
    $('tail').tBodies[0].textContent = '';
    if (names.length === 1) { tail(names[0]); } else { tailSeveral(names); }
  }

  window.addEventListener('hashchange', fromHash);
  fromHash();
  poll();
})();
