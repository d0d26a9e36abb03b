/*! herald.js: exact, resuming Server-Sent Events from Herald streams, over the browser's own EventSource.
 *  No build step, no dependencies. Contract: docs/protocol.md "Subscribe"; this helper: docs/protocol.md "herald.js".
 *
 *  var sub = Herald.subscribe('/streams/orders', {
 *    types: ['order.paid'],                      // event types to listen for besides untyped ones (EventSource needs the names)
 *    lastEventId: 42, epoch: '…',                // optional: where to resume, e.g. kept in localStorage
 *    onEvent: function (e) {},                   // { id, type, data }: each ID once, in order
 *    onGap: function (g) {},                     // { from, to, missed }: trimmed history, IDs from..to are gone
 *    onReset: function (r) {},                   // { lastEventId, last, epoch }: the store was wiped or replaced
 *    onStatus: function (s) {},                  // { state, lastEventId, epoch, … }, state: connecting | open | resumed |
 *                                                //   retrying | unauthorized | forbidden | rejected | closed
 *    EventSource: EventSourcePolyfill            // optional: the EventSource to use, e.g. the eventsource package's in Node
 *  });
 *  sub.lastEventId; sub.close();
 *  (filter: true also asks the server to send only untyped events and `types`: type=, docs/protocol.md)
 *
 *  Several streams on one connection (GET /subscribe?stream=orders&stream=prices, read with fetch, see subscribeStreams):
 *  var subs = Herald.subscribe({
 *    streams: ['orders', 'prices'],
 *    url: '/subscribe',                          // optional: the hub's /subscribe, default '/subscribe' on the page's origin
 *    types: ['price'],                           // optional: only these and untyped events (the server filters); default all
 *    lastEventId: 'orders:42,prices:17', epoch: '…', // optional: a cursor (string or { orders: 42 }) and its epoch
 *    onEvent: function (e) {},                   // { stream, id, type, data, lastEventId }: per stream each ID once, in order
 *    onGap: function (g) {}, onReset: function (r) {}, onStatus: function (s) {}   // as above, with `stream` on gap/reset
 *  });
 *  subs.lastEventId ('orders:42,prices:17'); subs.positions ({ orders: 42, prices: 17 }); subs.close();
 *
 *  Why it exists: EventSource reconnects by itself only after a network error. After any answer that is not a 200
 *  (a 502 from a proxy during a deploy, a 503) it closes for good. herald.js owns reconnection instead: on every error
 *  it closes the EventSource and opens a new one with ?lastEventId=<last>&epoch=<epoch> after a backoff with jitter,
 *  so a stream resumes exactly where it was whatever happened in between.
 *
 *  Status codes: EventSource never shows them. When a connection fails before the server said hello (a refused
 *  connect, not a dropped stream), herald.js asks once with fetch for the same URL, without a resume position so that
 *  nothing is replayed, reads the status and aborts the body at once. 401 ends the subscription as 'unauthorized'
 *  (an expired access_token will not get better by retrying), 403 as 'forbidden', 400 as 'rejected' (a bad stream
 *  name, position or type will not get better either); anything else is retried.
 *
 *  One file, three ways in: a classic <script> (window.Herald), CommonJS (module.exports), and the npm package's ES
 *  module (clients/npm/build.mjs wraps this file at pack time and adds the exports), so there is no second copy to drift.
 *  Outside a page (Node) there is no location to resolve a relative URL against and usually no EventSource: pass an
 *  absolute URL and options.EventSource; fetch, AbortController and URL are Node's own (18+).
 */
(function (root, factory) {
  if (typeof module === 'object' && module && module.exports) {
    module.exports = factory(root);
  } else {
    root.Herald = factory(root);
  }
})(typeof globalThis !== 'undefined' ? globalThis : typeof window !== 'undefined' ? window : this, function (root) {
  'use strict';

  // Two forms: subscribe(url, options) follows one stream over EventSource; subscribe({ streams: [...], … }) follows
  // several over one fetch-read connection to /subscribe (see subscribeStreams for why not EventSource).
  function subscribe(url, options) {
    if (url !== null && typeof url === 'object') { return subscribeStreams(url); }
    options = options || {};
    var minDelay = options.minDelay || 1000;       // first retry after 0.5–1 s
    var maxDelay = options.maxDelay || 30000;      // backoff cap, before jitter
    var probeTimeout = options.probeTimeout || 10000;
    var types = ['message'].concat(options.types || []);
    var last = options.lastEventId == null ? null : Number(options.lastEventId);
    var epoch = options.epoch || null;
    var source = null;
    var timer = null;
    var closed = false;
    var attempt = 0;       // failed connects since the last hello
    var helloSeen = false; // this EventSource got the server's hello
    var lost = null;       // { at, lastEventId }: when the previous connection was lost, until a resume
    var pendingResume = null;
    var dropped = 0;
    var EventSourceImpl = options.EventSource || root.EventSource;
    if (typeof EventSourceImpl !== 'function') {
      throw new TypeError('herald.js: there is no EventSource here (Node has none): pass one as options.EventSource, ' +
        "e.g. the eventsource package's: Herald.subscribe(url, { EventSource: EventSource, … })");
    }
    if (!root.location && !/^[a-z][a-z0-9+.-]*:/i.test(String(url))) {
      // Said here, before any callback: otherwise Node's URL would say only "Invalid URL" from inside connect().
      throw new TypeError('herald.js: ' + url + ' is relative and there is no page location to resolve it against ' +
        '(as in Node): pass an absolute URL, e.g. http://localhost:5080/streams/orders');
    }

    var handle = {
      close: close,
      get lastEventId() { return last; },
      get epoch() { return epoch; },
      get dropped() { return dropped; }
    };

    function emit(name, value) {
      var callback = options[name];
      if (typeof callback !== 'function') { return; }
      try {
        callback.call(handle, value);
      } catch (err) {
        // A throwing callback must not break the subscription; report it the way the browser reports any uncaught error.
        setTimeout(function () { throw err; });
      }
    }

    function status(state, extra) {
      var s = { state: state, lastEventId: last, epoch: epoch };
      for (var key in extra) { if (Object.prototype.hasOwnProperty.call(extra, key)) { s[key] = extra[key]; } }
      emit('onStatus', s);
    }

    function target(resume) {
      var u = new URL(url, root.location ? root.location.href : undefined);
      if (resume && last != null) {
        u.searchParams.set('lastEventId', String(last));
        if (epoch) { u.searchParams.set('epoch', epoch); }
      }
      if (options.filter) {
        // The server sends only what this EventSource listens for; the events it skips still move EventSource's own
        // Last-Event-ID (an id-only frame, never dispatched), but not `last`. That stays exact: a resume after `last`
        // re-reads only skipped events, which the server skips again, so no wanted event comes twice or goes missing.
        types.forEach(function (type) { u.searchParams.append('type', type); });
      }
      return u.toString();
    }

    function connect() {
      timer = null;
      if (closed) { return; }
      helloSeen = false;
      status('connecting', { attempt: attempt });
      var es = new EventSourceImpl(target(true), { withCredentials: !!options.withCredentials });
      source = es;
      types.forEach(function (type) { es.addEventListener(type, onMessage); });
      es.addEventListener('hello', onHello);
      es.addEventListener('gap', onGap);
      es.addEventListener('reset', onReset);
      es.onerror = function () { onError(es); };
    }

    function parse(e) {
      try { return JSON.parse(e.data); } catch (err) { return null; }
    }

    // docs/protocol.md: hello is the first frame, with the stream's state at connect time.
    function onHello(e) {
      var hello = parse(e);
      if (!hello) { return; }
      helloSeen = true;
      attempt = 0;
      epoch = hello.epoch || epoch;
      if (last == null) {
        // Live from here: remembering the connect-time position makes a later resume miss nothing.
        last = hello.last;
      }
      if (lost) {
        // Said once the next frame shows whether history was trimmed meanwhile (a gap comes right after hello).
        pendingResume = { resumedAt: lost.lastEventId, afterMs: Date.now() - lost.at, last: hello.last };
        lost = null;
        setTimeout(function () { flushResume(0); }, 250);
      } else {
        status('open', { last: hello.last });
      }
    }

    function flushResume(missed) {
      if (!pendingResume) { return; }
      var r = pendingResume;
      pendingResume = null;
      status('resumed', { resumedAt: r.resumedAt, afterMs: r.afterMs, missed: missed, last: r.last });
    }

    function onMessage(e) {
      var id = Number(e.lastEventId);
      if (!(id > 0)) { return; }
      if (last != null && id <= last) {
        dropped++;   // already delivered: a replay overlapping what this page saw
        return;
      }
      flushResume(0);
      last = id;
      emit('onEvent', { id: id, type: e.type, data: e.data });
    }

    // docs/protocol.md: history was trimmed past the resume position; the replay continues at `first`.
    function onGap(e) {
      var g = parse(e);
      if (!g) { return; }
      var missed = g.first - g.lastEventId - 1;
      flushResume(missed);
      emit('onGap', { from: g.lastEventId + 1, to: g.first - 1, missed: missed, lastEventId: g.lastEventId, first: g.first });
    }

    // docs/protocol.md: the store was wiped or replaced (another epoch); every retained event follows, from ID 1 again.
    function onReset(e) {
      var r = parse(e);
      if (!r) { return; }
      epoch = r.epoch;
      last = 0;
      flushResume(0);
      emit('onReset', r);
    }

    function onError(es) {
      if (closed || es !== source) { return; }
      // Whatever the browser would do next, this EventSource is done: it would resume with a stale URL (epoch), and
      // after a non-200 it would not resume at all.
      es.close();
      source = null;
      if (!lost) { lost = { at: Date.now(), lastEventId: last }; }
      if (helloSeen) {
        schedule(0);
      } else {
        probe(function (httpStatus) {
          if (closed) { return; }
          var ended = finalState(httpStatus);
          if (ended) { stop(ended, httpStatus); return; }
          schedule(httpStatus);
        });
      }
    }

    function probe(done) {
      if (typeof fetch !== 'function' || typeof AbortController !== 'function') { done(0); return; }
      var controller = new AbortController();
      var timeout = setTimeout(function () { controller.abort(); }, probeTimeout);
      fetch(target(false), {
        headers: { Accept: 'text/event-stream' },
        cache: 'no-store',
        credentials: options.withCredentials ? 'include' : 'same-origin',
        signal: controller.signal
      }).then(function (response) {
        clearTimeout(timeout);
        controller.abort();   // the status is all we wanted: close the stream at once
        done(response.status);
      }, function () {
        clearTimeout(timeout);
        done(0);              // no answer at all (server down, CORS): retry
      });
    }

    function schedule(httpStatus) {
      var delay = backoff(attempt, minDelay, maxDelay);
      attempt++;
      status('retrying', { attempt: attempt, delayMs: delay, httpStatus: httpStatus || null });
      timer = setTimeout(connect, delay);
    }

    function stop(state, httpStatus) {
      closed = true;
      status(state, { httpStatus: httpStatus });
    }

    function close() {
      if (closed) { return; }
      closed = true;
      if (timer) { clearTimeout(timer); timer = null; }
      if (source) { source.close(); source = null; }
      status('closed', {});
    }

    connect();
    return handle;
  }

  // Several streams on one connection: GET <url>?stream=a&stream=b… (docs/protocol.md "Subscribe to several streams").
  //
  // Why fetch and not EventSource: every event's id is the whole cursor (orders:42,prices:17), and which stream an
  // event belongs to shows only as the one pair that moved since the previous frame. With a type filter the server also
  // sends id-only frames (an id: line, no data) that move a pair past skipped events, and EventSource swallows those:
  // it updates its internal Last-Event-ID and dispatches nothing. After an unseen id-only frame for orders, the next
  // prices event would show two moved pairs, and no rule could say which of them is the event's own. (The same happens
  // without a filter for every event of a type the page did not name, since EventSource dispatches only named types.)
  // Reading the response with fetch sees every frame: id-only frames move the cursor here as they do on the server, so
  // each event's stream is known, the cursor sent on a resume is exactly the server's, and nothing skipped is re-read.
  // It also sees the HTTP status, so no probe is needed. A plain EventSource still works on /subscribe (it resumes with
  // its own Last-Event-ID); it just cannot tell you the stream of an event for sure when frames were hidden from it.
  function subscribeStreams(options) {
    var streams = Array.isArray(options.streams) ? options.streams.map(String) : [];
    if (streams.length === 0 || streams.some(function (s, i) { return !s || streams.indexOf(s) !== i; })) {
      throw new TypeError('herald.js: options.streams must list one or more distinct stream names, e.g. ' +
        "Herald.subscribe({ streams: ['orders', 'prices'], … })");
    }
    var url = options.url || '/subscribe';
    var minDelay = options.minDelay || 1000;
    var maxDelay = options.maxDelay || 30000;
    // Only these types and untyped events, filtered by the server (type=); without `types`, events of every type.
    var types = options.types ? ['message'].concat(options.types) : null;
    var fetchImpl = options.fetch || root.fetch;
    if (typeof fetchImpl !== 'function' || typeof root.TextDecoder !== 'function' || typeof root.AbortController !== 'function') {
      throw new TypeError('herald.js: following several streams needs fetch, TextDecoder and AbortController (browsers, Node 18+)');
    }
    if (!root.location && !/^[a-z][a-z0-9+.-]*:/i.test(String(url))) {
      throw new TypeError('herald.js: ' + url + ' is relative and there is no page location to resolve it against ' +
        '(as in Node): pass options.url, absolute, e.g. http://localhost:5080/subscribe');
    }
    var positions = parseCursor(options.lastEventId); // stream -> last ID seen (delivered or skipped by the server)
    var epoch = options.epoch || null;
    var wire = {};          // the cursor as this connection's frames left it: an event's stream is the pair that moved
    var controller = null;  // the current connection's AbortController; null between connections
    var timer = null;
    var closed = false;
    var attempt = 0;
    var lost = null;
    var dropped = 0;

    var handle = {
      close: close,
      get streams() { return streams.slice(); },
      get lastEventId() { return formatCursor(); },
      get positions() { return copyPositions(); },
      get epoch() { return epoch; },
      get dropped() { return dropped; }
    };

    // A string 'orders:42,prices:17' or an object { orders: 42 }; pairs of streams not followed are left out.
    function parseCursor(value) {
      var result = {};
      if (value == null || value === '') { return result; }
      if (typeof value === 'object') {
        Object.keys(value).forEach(function (name) { if (streams.indexOf(name) >= 0) { result[name] = Number(value[name]); } });
        return result;
      }
      String(value).split(',').forEach(function (pair) {
        var colon = pair.lastIndexOf(':');
        var name = pair.slice(0, colon);
        var id = Number(pair.slice(colon + 1));
        if (colon > 0 && streams.indexOf(name) >= 0 && id >= 0) { result[name] = id; }
      });
      return result;
    }

    function formatCursor() {
      var pairs = streams.filter(function (s) { return positions[s] != null; }).map(function (s) { return s + ':' + positions[s]; });
      return pairs.length ? pairs.join(',') : null;
    }

    function copyPositions() {
      var copy = {};
      streams.forEach(function (s) { if (positions[s] != null) { copy[s] = positions[s]; } });
      return copy;
    }

    function emit(name, value) {
      var callback = options[name];
      if (typeof callback !== 'function') { return; }
      try {
        callback.call(handle, value);
      } catch (err) {
        setTimeout(function () { throw err; });
      }
    }

    function status(state, extra) {
      var s = { state: state, lastEventId: formatCursor(), epoch: epoch };
      for (var key in extra) { if (Object.prototype.hasOwnProperty.call(extra, key)) { s[key] = extra[key]; } }
      emit('onStatus', s);
    }

    function target() {
      var u = new URL(url, root.location ? root.location.href : undefined);
      streams.forEach(function (s) { u.searchParams.append('stream', s); });
      if (types) { types.forEach(function (t) { u.searchParams.append('type', t); }); }
      var cursor = formatCursor();
      if (cursor) {
        u.searchParams.set('lastEventId', cursor);
        if (epoch) { u.searchParams.set('epoch', epoch); }
      }
      return u.toString();
    }

    function connect() {
      timer = null;
      if (closed) { return; }
      status('connecting', { attempt: attempt });
      var own = new AbortController();
      controller = own;
      var current = function () { return controller === own && !closed; };
      fetchImpl(target(), {
        headers: { Accept: 'text/event-stream' },
        cache: 'no-store',
        credentials: options.withCredentials ? 'include' : 'same-origin',
        signal: own.signal
      }).then(function (response) {
        if (!current()) { return undefined; }
        var contentType = response.headers.get('content-type') || '';
        if (response.status !== 200 || !response.body || contentType.indexOf('text/event-stream') !== 0) {
          fail(own, response.status);   // e.g. a proxy's 502 during a deploy, a 401 for an expired token
          return undefined;
        }
        var reader = response.body.getReader();
        var parser = frameReader(function (frame) { if (current()) { onFrame(frame); } });
        var pump = function () {
          return reader.read().then(function (chunk) {
            if (!current()) { return undefined; }
            if (chunk.done) { fail(own, 0); return undefined; }
            parser(chunk.value);
            return pump();
          });
        };
        return pump();
      }).catch(function () {
        if (current()) { fail(own, 0); }   // no answer, or the stream broke off
      });
    }

    // The SSE parsing rules (WHATWG HTML "event stream interpretation"), frame by frame; `retry:` is not used (the
    // backoff below decides, as in the one-stream form) and comments (heartbeats) only keep the connection warm.
    function frameReader(onFrameRead) {
      var decoder = new root.TextDecoder('utf-8');
      var buffer = '';
      var data = [];
      var type = '';
      var id = null;
      function line(text) {
        if (text === '') {
          if (data.length || id !== null) { onFrameRead({ id: id, type: type || 'message', data: data.length ? data.join('\n') : null }); }
          data = []; type = ''; id = null;
          return;
        }
        if (text.charCodeAt(0) === 58) { return; }   // ':' comment
        var colon = text.indexOf(':');
        var field = colon < 0 ? text : text.slice(0, colon);
        var value = colon < 0 ? '' : text.slice(text.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1);
        if (field === 'data') { data.push(value); } else if (field === 'event') { type = value; } else if (field === 'id' && value.indexOf('\0') < 0) { id = value; }
      }
      return function (bytes) {
        buffer += decoder.decode(bytes, { stream: true });
        var start = 0;
        for (var i = 0; i < buffer.length; i++) {
          var ch = buffer.charCodeAt(i);
          if (ch !== 10 && ch !== 13) { continue; }
          if (ch === 13 && i + 1 === buffer.length) { break; }   // maybe the \r of a \r\n split across chunks
          line(buffer.slice(start, i));
          if (ch === 13 && buffer.charCodeAt(i + 1) === 10) { i++; }
          start = i + 1;
        }
        buffer = buffer.slice(start);
      };
    }

    function parse(text) {
      try { return JSON.parse(text); } catch (err) { return null; }
    }

    function onFrame(frame) {
      if (frame.id === null) {
        var body = parse(frame.data);
        if (!body) { return; }
        if (frame.type === 'hello') { onHello(body); } else if (frame.type === 'gap') { onGap(body); } else if (frame.type === 'reset') { onReset(body); }
        return;
      }
      var cursor = {};
      frame.id.split(',').forEach(function (pair) {
        var colon = pair.lastIndexOf(':');
        if (colon > 0) { cursor[pair.slice(0, colon)] = Number(pair.slice(colon + 1)); }
      });
      var moved = streams.filter(function (s) { return cursor[s] != null && cursor[s] !== wire[s]; });
      var own = null;
      moved.forEach(function (s) {
        wire[s] = cursor[s];
        if (positions[s] == null || cursor[s] > positions[s]) {
          own = own || s;
          positions[s] = cursor[s];
        }
      });
      if (frame.data === null) { return; }   // id-only: the server skipped events of other types; the cursor moved
      if (own === null) {
        dropped++;   // its pair is not above what this subscription has seen: already delivered
        return;
      }
      emit('onEvent', { stream: own, id: cursor[own], type: frame.type, data: frame.data, lastEventId: formatCursor() });
    }

    function onHello(hello) {
      attempt = 0;
      epoch = hello.epoch || epoch;
      var list = Array.isArray(hello.streams) ? hello.streams : [];
      list.forEach(function (s) {
        // A stream without a position starts live at its `last`: remembering it makes a later resume miss nothing.
        if (positions[s.stream] == null) { positions[s.stream] = s.last; }
      });
      wire = copyPositions();   // the server resumes each stream right after the position this connection sent
      if (lost) {
        var r = lost;
        lost = null;
        status('resumed', { resumedAt: r.lastEventId, afterMs: Date.now() - r.at, streams: list });
      } else {
        status('open', { streams: list });
      }
    }

    // History of one stream was trimmed past its position; its replay goes on at `first`.
    function onGap(g) {
      wire[g.stream] = g.first - 1;
      // IDs below `first` are gone for good: moving past them keeps a reconnect from reporting the same gap again.
      if (positions[g.stream] == null || positions[g.stream] < g.first - 1) { positions[g.stream] = g.first - 1; }
      emit('onGap', { stream: g.stream, from: g.lastEventId + 1, to: g.first - 1, missed: g.first - g.lastEventId - 1, lastEventId: g.lastEventId, first: g.first });
    }

    // The store was wiped or replaced (another epoch): this stream's retained events follow from its start.
    function onReset(r) {
      epoch = r.epoch;
      positions[r.stream] = 0;
      wire[r.stream] = 0;
      emit('onReset', r);
    }

    function fail(own, httpStatus) {
      own.abort();
      if (controller !== own || closed) { return; }
      controller = null;
      var ended = finalState(httpStatus);
      if (ended) { stop(ended, httpStatus); return; }
      if (!lost) { lost = { at: Date.now(), lastEventId: formatCursor() }; }
      var delay = backoff(attempt, minDelay, maxDelay);
      attempt++;
      status('retrying', { attempt: attempt, delayMs: delay, httpStatus: httpStatus || null });
      timer = setTimeout(connect, delay);
    }

    function stop(state, httpStatus) {
      closed = true;
      status(state, { httpStatus: httpStatus });
    }

    function close() {
      if (closed) { return; }
      closed = true;
      if (timer) { clearTimeout(timer); timer = null; }
      if (controller) { controller.abort(); controller = null; }
      status('closed', {});
    }

    connect();
    return handle;
  }

  // The answers that retrying cannot change, and the final state each ends a subscription in: a refused token (401), a
  // token without the stream (403), a request that is wrong in itself: a bad stream name, position or type (400).
  function finalState(httpStatus) {
    return httpStatus === 401 ? 'unauthorized' : httpStatus === 403 ? 'forbidden' : httpStatus === 400 ? 'rejected' : null;
  }

  // Exponential, capped, with "equal jitter": between half and all of the step, so reconnects spread out.
  function backoff(attempt, minDelay, maxDelay) {
    var step = Math.min(maxDelay, minDelay * Math.pow(2, attempt));
    return Math.round(step / 2 + Math.random() * step / 2);
  }

  return { subscribe: subscribe };
});
