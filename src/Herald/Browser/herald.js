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
 *                                                //   retrying | unauthorized | forbidden | closed
 *    EventSource: EventSourcePolyfill            // optional: the EventSource to use, e.g. the eventsource package's in Node
 *  });
 *  sub.lastEventId; sub.close();
 *
 *  Why it exists: EventSource reconnects by itself only after a network error. After any answer that is not a 200
 *  (a 502 from a proxy during a deploy, a 503) it closes for good. herald.js owns reconnection instead: on every error
 *  it closes the EventSource and opens a new one with ?lastEventId=<last>&epoch=<epoch> after a backoff with jitter,
 *  so a stream resumes exactly where it was whatever happened in between.
 *
 *  Status codes: EventSource never shows them. When a connection fails before the server said hello (a refused
 *  connect, not a dropped stream), herald.js asks once with fetch for the same URL, without a resume position so that
 *  nothing is replayed, reads the status and aborts the body at once. 401 ends the subscription as 'unauthorized'
 *  (an expired access_token will not get better by retrying), 403 as 'forbidden'; anything else is retried.
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

  function subscribe(url, options) {
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
          if (httpStatus === 401) { stop('unauthorized', httpStatus); return; }
          if (httpStatus === 403) { stop('forbidden', httpStatus); return; }
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
      // Exponential, capped, with "equal jitter": between half and all of the step, so reconnects spread out.
      var step = Math.min(maxDelay, minDelay * Math.pow(2, attempt));
      var delay = Math.round(step / 2 + Math.random() * step / 2);
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

  return { subscribe: subscribe };
});
