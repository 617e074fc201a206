/*
 * pushthrough's browser client: the checks of src/checks, run with the
 * browser's own fetch, EventSource and WebSocket against the origin that
 * served this script (through whatever stands between the browser and it).
 * It records observations in the shape of src/observation/types.ts and judges
 * nothing: the origin grades them (POST /_field/grade) with the same graders
 * as the Node clients' observations.
 *
 * What a page cannot see, and how it is recorded:
 *  - a WebSocket that fails shows close code 1006 and never the handshake's
 *    status: the answer is { error: WS_HANDSHAKE_FAILED } and the origin's
 *    record of the request (/_seen) tells what happened to it;
 *  - EventSource shows no status: a stream that opens is answered 200; one that
 *    fails for good is fetched once more to read the status it was answered.
 *
 * Self-contained (no imports, no network resources but the origin's), so it
 * runs as served in Chromium, Firefox and Safari.
 */
(function (global) {
  'use strict';

  var FILL = 'pushthrough-0123456789abcdefghijklmnopqrstuvwxyz-';
  var WS_FAILED = 'WS_HANDSHAKE_FAILED';
  var NETWORK_ERROR = 'NETWORK_ERROR';
  var PRIVATE = ['set-cookie', 'cookie', 'authorization', 'proxy-authorization'];

  function makePayload(bytes, seq) {
    if (bytes <= 0) return '';
    var head = '#' + seq + ':';
    var repeats = Math.ceil(Math.max(0, bytes - head.length) / FILL.length);
    return (head + FILL.repeat(repeats)).slice(0, bytes);
  }

  function headersOf(res) {
    var out = {};
    res.headers.forEach(function (v, k) {
      if (PRIVATE.indexOf(k.toLowerCase()) < 0) out[k.toLowerCase()] = String(v).slice(0, 200);
    });
    return out;
  }

  function snippet(text) {
    var t = String(text).replace(/\s+/g, ' ').trim();
    return t.length > 1024 ? t.slice(0, 1024) + '…' : t;
  }

  /** The checks a browser runs per transport (the page's progress counts them). */
  var CHECKS_FOR = {
    'short-poll': ['connect', 'delivery', 'resume', 'large', 'freshness'],
    'long-poll': ['connect', 'delivery', 'hold', 'resume', 'large', 'freshness'],
    sse: ['connect', 'delivery', 'idle', 'duration', 'resume', 'large', 'parallel-streams'],
    websocket: ['connect', 'delivery', 'idle', 'duration', 'resume', 'large', 'echo'],
  };

  var sleep = function (ms) {
    return new Promise(function (r) {
      setTimeout(r, ms);
    });
  };

  /** One event's arrival from its wire JSON (src/protocol/events.ts parseEvent), or undefined when it is not an origin event. */
  function arrivalOf(raw, payloadBytes, arrivedMs, connection) {
    var ev;
    try {
      ev = JSON.parse(raw);
    } catch (e) {
      return undefined;
    }
    if (!ev || typeof ev.seq !== 'number' || typeof ev.offsetMs !== 'number') return undefined;
    var payload = typeof ev.payload === 'string' ? ev.payload : '';
    return {
      seq: ev.seq,
      offsetMs: ev.offsetMs,
      arrivedMs: arrivedMs,
      bytes: new TextEncoder().encode(raw).length,
      connection: connection,
      intact: payload.length === payloadBytes && payload === makePayload(payloadBytes, ev.seq),
    };
  }

  /** An observation under construction, as src/client/recorder.ts keeps it. */
  class Recorder {
    constructor(transport, check, scenario) {
      this.transport = transport;
      this.check = check;
      this.scenario = scenario;
      this.startedAt = Date.now();
      this.t0 = performance.now();
      this.answers = [];
      this.arrivals = [];
      this.ends = [];
      this.bytes = 0;
      this.requests = 0;
      this.connections = 0;
      this.lastByteAtMs = undefined;
      this.payload = undefined;
      this.testerError = undefined;
      this.foreignChannel = undefined;
      this.changed = function () {};
    }
    now() {
      return Math.round((performance.now() - this.t0) * 10) / 10;
    }
    answer(a) {
      var full = Object.assign({ atMs: this.now() }, a);
      this.answers.push(full);
      this.changed();
      return full;
    }
    end(e) {
      this.ends.push(Object.assign({ atMs: this.now() }, e));
      this.changed();
    }
    received(bytes) {
      this.bytes += bytes;
      this.lastByteAtMs = this.now();
    }
    arrival(raw, connection, payloadBytes) {
      var a = arrivalOf(raw, payloadBytes, this.now(), connection);
      if (!a) return undefined;
      this.received(a.bytes);
      this.arrivals.push(a);
      this.changed();
      return a;
    }
    hasSeq(seq) {
      return this.arrivals.some(function (a) {
        return a.seq === seq;
      });
    }
    cursor() {
      return this.arrivals.reduce(function (m, a) {
        return Math.max(m, a.seq);
      }, 0);
    }
    finish(seen, protocol) {
      var o = {
        transport: this.transport,
        check: this.check,
        startedAt: this.startedAt,
        durationMs: this.now(),
        answers: this.answers,
        arrivals: this.arrivals,
        ends: this.ends,
      };
      if (this.scenario) o.scenario = this.scenario;
      if (seen) o.seen = seen;
      if (this.requests) o.requests = this.requests;
      if (this.connections) o.connections = this.connections;
      if (this.bytes) o.bytes = this.bytes;
      if (this.lastByteAtMs !== undefined) o.lastByteAtMs = this.lastByteAtMs;
      if (this.foreignChannel !== undefined) o.foreignChannel = this.foreignChannel;
      if (this.payload !== undefined) o.payload = this.payload;
      if (this.testerError !== undefined) o.testerError = this.testerError;
      if (protocol) o.protocol = protocol;
      return o;
    }
  }

  /** Resolves when `until()` holds (checked on `poke`) or the deadline passes; `extend` moves the deadline. */
  function waitUntil(until, deadlineMs) {
    var timer;
    var done;
    var p = new Promise(function (resolve) {
      done = resolve;
    });
    timer = setTimeout(done, deadlineMs);
    return {
      poke: function () {
        if (until()) done();
      },
      settled: p.then(function () {
        clearTimeout(timer);
      }),
      extend: function (ms) {
        clearTimeout(timer);
        timer = setTimeout(done, ms);
      },
    };
  }

  /** waitUntil, re-checked whenever the recorder changes. */
  function waitFor(rec, until, deadlineMs) {
    var w = waitUntil(until, deadlineMs);
    rec.changed = w.poke;
    w.poke();
    w.settled = w.settled.then(function () {
      rec.changed = function () {};
    });
    return w;
  }

  /**
   * A stream's session (src/client/sse.ts runSse's): until `s.until` holds or
   * `s.deadlineMs` passes; once the first event arrived, `s.deadlineFromFirstEventMs`
   * from then instead, since a stream that started late must not count against the path.
   */
  function session(rec, s) {
    var started = false;
    var w = waitFor(
      rec,
      function () {
        if (!started && rec.arrivals.length > 0 && s.deadlineFromFirstEventMs !== undefined) {
          started = true;
          if (w) w.extend(s.deadlineFromFirstEventMs);
        }
        return s.until(rec);
      },
      s.deadlineMs,
    );
    return w.settled;
  }

  function Prober(cfg) {
    var base = cfg.base;
    var token = cfg.token;
    var o = cfg.options;
    var counter = 0;
    var uid = function (prefix) {
      counter += 1;
      return prefix + '-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 8) + '-' + counter;
    };
    // The page's folder: an origin mounted under a path (https://lb.example.com/rt/) keeps it.
    var root = new URL('.', base);
    var url = function (path, params, ws) {
      var u = new URL(path.replace(/^\//, ''), root);
      Object.keys(params).forEach(function (k) {
        var v = params[k];
        if (v !== undefined && v !== false) u.searchParams.set(k, v === true ? '1' : String(v));
      });
      if (token) u.searchParams.set('token', token);
      if (ws) u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
      return u.toString();
    };
    var tls = new URL(base).protocol === 'https:';
    /** What the page's own connection to the host spoke: HTTP/2 when the navigation did (Resource Timing's nextHopProtocol). */
    var http = function () {
      var nav = performance.getEntriesByType && performance.getEntriesByType('navigation')[0];
      var p = nav && nav.nextHopProtocol;
      return p === 'h2' || p === 'h3' ? 'h2' : 'h1';
    };
    var protocolOf = function (transport) {
      var p = { tls: tls, http: http() };
      if (transport === 'websocket') {
        delete p.http;
      }
      return p;
    };

    async function seenOf(probe) {
      try {
        var res = await fetch(url('/_seen', { id: probe }), { cache: 'no-store' });
        if (!res.ok) return undefined;
        var body = await res.json();
        // Only this probe's requests: a cache in the path could answer with another probe's record.
        return Array.isArray(body.requests)
          ? body.requests.filter(function (r) {
              return typeof r.path === 'string' && r.path.indexOf('probe=' + probe) >= 0;
            })
          : undefined;
      } catch (e) {
        return undefined;
      }
    }

    /** One poll, recorded as an answer; its events become arrivals. */
    async function pollOnce(rec, path, params, timeoutMs, keepRepeats, payloadBytes) {
      rec.requests++;
      var ctl = new AbortController();
      var timer = setTimeout(function () {
        ctl.abort();
      }, timeoutMs);
      var res;
      var text;
      try {
        res = await fetch(url(path, params), { signal: ctl.signal, cache: 'no-store' });
        text = await res.text();
      } catch (e) {
        clearTimeout(timer);
        var timedOut = ctl.signal.aborted;
        rec.answer({
          status: res ? res.status : undefined,
          headers: res ? headersOf(res) : undefined,
          error: timedOut ? { code: 'TIMEOUT', message: 'no complete answer within ' + timeoutMs + ' ms' } : { code: NETWORK_ERROR, message: String((e && e.message) || e) },
        });
        return { seqs: [] };
      }
      clearTimeout(timer);
      rec.received(text.length);
      var answer = rec.answer({ status: res.status, headers: headersOf(res) });
      if (res.status === 204) return { status: 204, seqs: [] };
      var body;
      try {
        body = JSON.parse(text);
        if (!Array.isArray(body.events)) throw new Error('no events');
      } catch (e) {
        answer.bodySnippet = snippet(text);
        return { status: res.status, seqs: [] };
      }
      if (res.status !== 200) answer.bodySnippet = snippet(text);
      if (body.channel !== undefined && params.channel !== undefined && body.channel !== params.channel) rec.foreignChannel = body.channel;
      var seqs = [];
      body.events.forEach(function (e) {
        seqs.push(e.seq);
        if (keepRepeats || !rec.hasSeq(e.seq)) rec.arrival(JSON.stringify(e), rec.answers.length - 1, payloadBytes || 16);
      });
      return { status: res.status, seqs: seqs, last: body.last, events: body.events.length, raw: JSON.stringify(body.events) };
    }

    async function pollUntil(rec, path, params, upTo, deadlineMs, holdMs) {
      var stopAt = rec.now() + deadlineMs;
      var isLong = path === '/long-poll';
      var failures = 0;
      while (rec.cursor() < upTo && rec.now() < stopAt && failures < 3) {
        var p = Object.assign({}, params, { since: rec.cursor() }, isLong ? { hold: holdMs } : {});
        var a = await pollOnce(rec, path, p, (isLong ? holdMs : 0) + o.connectTimeoutMs);
        if (a.status === undefined || a.status >= 400) failures++;
        // The short poll's cadence: part of the transport, not synchronisation.
        if (!isLong || a.status !== 200) await sleep(o.pollEveryMs);
      }
    }

    /** What a request is answered with when EventSource gave up on it: its status, headers and first bytes. */
    async function answerOf(u) {
      var ctl = new AbortController();
      var timer = setTimeout(function () {
        ctl.abort();
      }, o.connectTimeoutMs);
      try {
        var res = await fetch(u, { headers: { Accept: 'text/event-stream' }, signal: ctl.signal, cache: 'no-store' });
        var a = { status: res.status, headers: headersOf(res) };
        if (res.status !== 200) a.bodySnippet = snippet(await res.text());
        ctl.abort();
        return a;
      } catch (e) {
        return { error: { code: NETWORK_ERROR, message: 'the request failed before any answer' } };
      } finally {
        clearTimeout(timer);
      }
    }

    /**
     * The browser's EventSource until `until` holds or the deadline passes.
     * It reconnects by itself, honouring `retry:` and sending Last-Event-ID,
     * as it does for the app; each (re)connect is an answer.
     */
    async function runSse(rec, params, s) {
      var u = url('/sse', params);
      var conn = -1;
      var isOpen = false;
      var failed = false;
      var es = new EventSource(u);
      rec.requests++;
      es.onopen = function () {
        conn++;
        isOpen = true;
        rec.connections = conn + 1;
        rec.answer({ status: 200 });
        if (rec.lastByteAtMs === undefined) rec.lastByteAtMs = rec.now();
      };
      es.onmessage = function (m) {
        rec.arrival(String(m.data), Math.max(0, conn), s.payloadBytes || 16);
      };
      es.onerror = function () {
        if (isOpen) {
          isOpen = false;
          var last = rec.arrivals.filter(function (a) {
            return a.connection === conn;
          });
          var lastSeq = last.length ? last[last.length - 1].seq : undefined;
          // A browser tells neither FIN from RST nor why: an end is a clean close unless it came where the origin ends it.
          rec.end({ how: s.expectedEndSeq !== undefined && lastSeq === s.expectedEndSeq ? 'complete' : 'clean-close', connection: conn, detail: 'EventSource error after open' });
          if (es.readyState === EventSource.CONNECTING) rec.requests++;
          return;
        }
        if (es.readyState === EventSource.CLOSED) {
          // Failed for good: a status other than 200, or not text/event-stream. Read what it was answered.
          if (failed) return;
          failed = true;
          answerOf(u).then(function (a) {
            rec.answer(a);
            rec.end({ how: a.status !== undefined ? 'error-status' : 'reset', connection: conn + 1, code: a.status, detail: a.headers && a.headers['content-type'] });
          });
          return;
        }
        // A connection that failed before any answer; EventSource retries it.
        rec.answer({ error: { code: NETWORK_ERROR, message: 'the EventSource connection failed before any answer' } });
        rec.requests++;
      };
      await session(rec, s);
      if (isOpen) rec.end({ how: 'open', connection: conn });
      es.close();
    }

    /** The browser's WebSocket until `until` holds; `reconnect` gives the next connection's params or undefined. */
    /**
     * A browser opens one WebSocket handshake to a host at a time and queues
     * the others (RFC 6455 §4.1: no more than one connection in CONNECTING to
     * an address), so the page's checks, which open several at once, take
     * turns here: each check's deadline counts from its own turn, as an app's
     * one WebSocket would get it, not from a place in the browser's queue
     * behind a slow path's other handshakes. A turn ends when the socket opens
     * or closes, or after the connect timeout, whichever is first.
     */
    var wsQueue = Promise.resolve();
    function wsTurn() {
      var release;
      var mine = new Promise(function (resolve) {
        release = resolve;
      });
      var before = wsQueue;
      wsQueue = before.then(function () {
        return mine;
      });
      return before.then(function () {
        var timer = setTimeout(release, o.connectTimeoutMs);
        return function () {
          clearTimeout(timer);
          release();
        };
      });
    }

    async function runWs(rec, params, s) {
      var conn = -1;
      var current;
      var finished = false;
      var connect = function (p, release) {
        var opened = false;
        rec.requests++;
        var ws = new WebSocket(url('/ws', p, true));
        current = ws;
        ws.onopen = function () {
          release();
          opened = true;
          conn++;
          rec.connections = conn + 1;
          rec.answer({ status: 101 });
          if (rec.lastByteAtMs === undefined) rec.lastByteAtMs = rec.now();
          if (s.onOpen) s.onOpen(ws);
        };
        ws.binaryType = 'arraybuffer';
        ws.onmessage = function (m) {
          if (typeof m.data !== 'string') {
            if (s.onBinary) s.onBinary(new Uint8Array(m.data));
            rec.changed();
          } else if (!(s.onText && s.onText(m.data))) rec.arrival(m.data, conn, s.payloadBytes || 16);
        };
        ws.onclose = function (ev) {
          release();
          if (finished) return;
          if (!opened) {
            rec.answer({ error: { code: WS_FAILED, message: 'the WebSocket closed before it opened (close code ' + ev.code + ')' } });
          } else {
            var complete = ev.code === 1000 && s.expectedEndSeq !== undefined && rec.hasSeq(s.expectedEndSeq);
            // 1006: closed without a close frame; a page cannot tell a FIN from a RST, so it is a close with that code.
            rec.end({ how: complete ? 'complete' : 'clean-close', connection: conn, code: ev.code, detail: ev.reason || (ev.code === 1006 ? 'closed without a close frame' : undefined) });
          }
          var next = opened && s.reconnect ? s.reconnect(rec) : undefined;
          if (next) {
            wsTurn().then(function (again) {
              if (finished) return again();
              connect(next, again);
            });
          }
        };
      };
      // The check's clock starts at its turn.
      connect(params, await wsTurn());
      await session(rec, s);
      finished = true;
      if (current && current.readyState === WebSocket.OPEN) rec.end({ how: 'open', connection: conn });
      if (current) current.close();
    }

    var POLL_PATH = { 'short-poll': '/poll', 'long-poll': '/long-poll' };
    var FRESHNESS_GAP_MS = 500;

    var sameBytes = function (a, b) {
      if (a.length !== b.length) return false;
      for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
      return true;
    };

    /** The idle check (one event, silence, one event) and the duration check (the same, fed with heartbeats). */
    function silent(check) {
      var scenario = function (ctx) {
        var silentMs = o.idleMs;
        var sc = { channel: ctx.channel, count: 2, intervalMs: silentMs, silentMs: silentMs };
        if (check === 'duration') sc.heartbeatMs = o.heartbeatMs;
        return sc;
      };
      return {
        waits: true,
        sse: async function (ctx) {
          var sc = scenario(ctx);
          var rec = new Recorder('sse', check, sc);
          await runSse(rec, { count: 2, silentMs: sc.silentMs, heartbeatMs: sc.heartbeatMs, close: true, retryMs: 100, channel: ctx.channel, probe: ctx.probe }, {
            until: function (r) {
              return r.hasSeq(2) || (r.ends.length > 0 && r.answers.length >= 2) || r.answers.length > 3;
            },
            deadlineMs: sc.silentMs + o.graceMs + o.connectTimeoutMs,
            deadlineFromFirstEventMs: sc.silentMs + o.graceMs,
            expectedEndSeq: 2,
          });
          return rec;
        },
        websocket: async function (ctx) {
          var sc = scenario(ctx);
          var rec = new Recorder('websocket', check, sc);
          await runWs(rec, { count: 2, silentMs: sc.silentMs, heartbeatMs: sc.heartbeatMs, close: true, channel: ctx.channel, probe: ctx.probe }, {
            until: function (r) {
              return r.hasSeq(2) || r.ends.length > 0 || r.answers.some(function (a) { return a.error; });
            },
            deadlineMs: sc.silentMs + o.graceMs + o.connectTimeoutMs,
            deadlineFromFirstEventMs: sc.silentMs + o.graceMs,
            expectedEndSeq: 2,
          });
          return rec;
        },
      };
    }

    /** The checks, per transport: the same scenarios as src/checks/<id>.ts. */
    var checks = {
      connect: {
        polls: async function (transport, ctx) {
          var rec = new Recorder(transport, 'connect');
          var isLong = transport === 'long-poll';
          await pollOnce(rec, POLL_PATH[transport], { count: 1, hold: isLong ? 1000 : undefined, channel: ctx.channel, probe: ctx.probe }, (isLong ? 1000 : 0) + o.connectTimeoutMs);
          return rec;
        },
        sse: async function (ctx) {
          var rec = new Recorder('sse', 'connect');
          rec.requests++;
          var a = await answerOf(url('/sse', { channel: ctx.channel, probe: ctx.probe, count: 1, close: true }));
          rec.answer(a);
          return rec;
        },
        websocket: async function (ctx) {
          var rec = new Recorder('websocket', 'connect');
          rec.payload = { opened: false };
          await runWs(rec, { count: 0, channel: ctx.channel, probe: ctx.probe }, {
            until: function (r) {
              return r.answers.length > 0;
            },
            deadlineMs: o.connectTimeoutMs + 1000,
            onOpen: function () {
              rec.payload = { opened: true };
            },
          });
          return rec;
        },
      },
      delivery: {
        polls: async function (transport, ctx) {
          var count = o.deliveryCount;
          var intervalMs = o.deliveryIntervalMs;
          var rec = new Recorder(transport, 'delivery', { channel: ctx.channel, count: count, intervalMs: intervalMs });
          await pollUntil(rec, POLL_PATH[transport], { count: count, intervalMs: intervalMs, channel: ctx.channel, probe: ctx.probe }, count, count * intervalMs + o.graceMs + 2000, o.holdMs);
          return rec;
        },
        sse: async function (ctx) {
          var count = o.deliveryCount;
          var intervalMs = o.deliveryIntervalMs;
          var rec = new Recorder('sse', 'delivery', { channel: ctx.channel, count: count, intervalMs: intervalMs });
          await runSse(rec, { count: count, intervalMs: intervalMs, close: true, retryMs: 250, channel: ctx.channel, probe: ctx.probe }, {
            until: function (r) {
              var failedAttempts = r.answers.filter(function (a) {
                return a.status === undefined && a.error;
              }).length;
              return (
                (r.hasSeq(count) && r.ends.length > 0) ||
                r.ends.some(function (e) {
                  return e.how === 'error-status';
                }) ||
                r.answers.length > 4 ||
                (r.arrivals.length === 0 && failedAttempts >= 2)
              );
            },
            deadlineMs: count * intervalMs + o.graceMs + o.connectTimeoutMs,
            deadlineFromFirstEventMs: count * intervalMs + o.graceMs + 1000,
            expectedEndSeq: count,
          });
          return rec;
        },
        websocket: async function (ctx) {
          var count = o.deliveryCount;
          var intervalMs = o.deliveryIntervalMs;
          var rec = new Recorder('websocket', 'delivery', { channel: ctx.channel, count: count, intervalMs: intervalMs });
          await runWs(rec, { count: count, intervalMs: intervalMs, close: true, channel: ctx.channel, probe: ctx.probe }, {
            until: function (r) {
              return r.hasSeq(count) || r.ends.length > 0 || r.answers.some(function (a) { return a.error; });
            },
            deadlineMs: count * intervalMs + o.graceMs + o.connectTimeoutMs,
            deadlineFromFirstEventMs: count * intervalMs + o.graceMs + 1000,
            expectedEndSeq: count,
          });
          return rec;
        },
      },
      idle: silent('idle'),
      duration: silent('duration'),
      hold: {
        waits: true,
        'long-poll': async function (ctx) {
          var rec = new Recorder('long-poll', 'hold', { channel: ctx.channel, count: 0, intervalMs: 0, holdMs: o.holdMs });
          await pollOnce(rec, '/long-poll', { count: 0, hold: o.holdMs, channel: ctx.channel, probe: ctx.probe }, o.holdMs + o.graceMs);
          return rec;
        },
      },
      large: {
        polls: async function (transport, ctx) {
          var bytes = o.largeBytes;
          var rec = new Recorder(transport, 'large', { channel: ctx.channel, count: 1, intervalMs: 0, payloadBytes: bytes });
          await pollOnce(rec, POLL_PATH[transport], { count: 1, payloadBytes: bytes, channel: ctx.channel, probe: ctx.probe, hold: transport === 'long-poll' ? 1000 : undefined }, o.largeTimeoutMs, false, bytes);
          return rec;
        },
        sse: async function (ctx) {
          var bytes = o.largeBytes;
          var rec = new Recorder('sse', 'large', { channel: ctx.channel, count: 1, intervalMs: 0, payloadBytes: bytes });
          await runSse(rec, { count: 1, payloadBytes: bytes, close: true, channel: ctx.channel, probe: ctx.probe }, {
            payloadBytes: bytes,
            until: function (r) {
              return r.hasSeq(1) || r.ends.length > 0;
            },
            deadlineMs: o.largeTimeoutMs,
          });
          return rec;
        },
        websocket: async function (ctx) {
          var bytes = o.largeBytes;
          var rec = new Recorder('websocket', 'large', { channel: ctx.channel, count: 1, intervalMs: 0, payloadBytes: bytes });
          var frame = new Uint8Array(bytes);
          crypto.getRandomValues(frame.subarray(0, Math.min(bytes, 65536)));
          var echo = { sentBytes: bytes, echoedOk: false, echoedBytes: 0 };
          rec.payload = { echo: echo };
          await runWs(rec, { count: 1, payloadBytes: bytes, channel: ctx.channel, probe: ctx.probe }, {
            payloadBytes: bytes,
            until: function (r) {
              return (r.hasSeq(1) && echo.echoedOk) || r.ends.length > 0 || r.answers.some(function (a) { return a.error; });
            },
            deadlineMs: o.largeTimeoutMs,
            onOpen: function (ws) {
              ws.send(frame);
            },
            onBinary: function (b) {
              echo.echoedBytes = b.length;
              echo.echoedOk = sameBytes(b, frame);
            },
          });
          return rec;
        },
      },
      echo: {
        websocket: async function (ctx) {
          var rec = new Recorder('websocket', 'echo');
          var text = 'echo-' + Math.random().toString(36).slice(2);
          var binary = new Uint8Array(64);
          crypto.getRandomValues(binary);
          var sent = {};
          var echo = { textOk: false, binaryOk: false };
          rec.payload = echo;
          await runWs(rec, { count: 0, channel: ctx.channel, probe: ctx.probe }, {
            until: function (r) {
              return (echo.textOk && echo.binaryOk) || r.answers.some(function (a) { return a.error; }) || r.ends.length > 0;
            },
            deadlineMs: o.connectTimeoutMs + 3000,
            onOpen: function (ws) {
              sent.text = rec.now();
              ws.send(text);
              sent.binary = rec.now();
              ws.send(binary);
            },
            onText: function (t) {
              if (t !== text) return false;
              echo.textOk = true;
              echo.textRttMs = Math.round((rec.now() - sent.text) * 10) / 10;
              return true;
            },
            onBinary: function (b) {
              if (!sameBytes(b, binary)) return;
              echo.binaryOk = true;
              echo.binaryRttMs = Math.round((rec.now() - sent.binary) * 10) / 10;
            },
          });
          return rec;
        },
      },
      freshness: {
        polls: async function (transport, ctx) {
          var rec = new Recorder(transport, 'freshness', { channel: ctx.channel, count: 100, intervalMs: 50 });
          var isLong = transport === 'long-poll';
          var params = { count: 100, intervalMs: 50, since: 0, channel: ctx.channel, probe: ctx.probe, hold: isLong ? 1000 : undefined };
          var timeoutMs = (isLong ? o.holdMs : 0) + o.connectTimeoutMs;
          var first = await pollOnce(rec, POLL_PATH[transport], params, timeoutMs);
          // The gap is the measurement, not synchronisation.
          await sleep(FRESHNESS_GAP_MS);
          var second = await pollOnce(rec, POLL_PATH[transport], params, timeoutMs);
          rec.payload = {
            firstLast: first.last,
            secondLast: second.last,
            firstEvents: first.events || 0,
            secondEvents: second.events || 0,
            gapMs: FRESHNESS_GAP_MS,
            identical: first.raw === second.raw && first.last === second.last,
          };
          return rec;
        },
      },
      resume: {
        polls: async function (transport, ctx) {
          var rec = new Recorder(transport, 'resume', { channel: ctx.channel, count: 4, intervalMs: 50 });
          var path = POLL_PATH[transport];
          var isLong = transport === 'long-poll';
          var params = { count: 4, intervalMs: 50, channel: ctx.channel, probe: ctx.probe };
          await pollUntil(rec, path, params, 4, 4 * 50 + o.graceMs + 2000, o.holdMs);
          var beforeCut = rec.arrivals.length;
          var again = await pollOnce(rec, path, Object.assign({}, params, { since: 2 }, isLong ? { hold: 1000 } : {}), (isLong ? o.holdMs : 0) + o.connectTimeoutMs, true);
          rec.payload = { since: 2, returned: again.seqs, beforeCut: beforeCut };
          return rec;
        },
        sse: async function (ctx) {
          var rec = new Recorder('sse', 'resume', { channel: ctx.channel, count: 6, intervalMs: 150, endAfter: 3 });
          await runSse(rec, { count: 6, intervalMs: 150, endAfter: 3, close: true, retryMs: 100, channel: ctx.channel, probe: ctx.probe }, {
            until: function (r) {
              return r.hasSeq(6) || r.answers.length >= 4 || r.ends.some(function (e) { return e.how === 'error-status'; });
            },
            deadlineMs: 6 * 150 + o.graceMs + 2000,
          });
          return rec;
        },
        websocket: async function (ctx) {
          var rec = new Recorder('websocket', 'resume', { channel: ctx.channel, count: 6, intervalMs: 150, endAfter: 3 });
          var params = { count: 6, intervalMs: 150, close: true, channel: ctx.channel, probe: ctx.probe };
          var enough = function (r) {
            return r.hasSeq(6) || r.ends.length >= 3;
          };
          await runWs(rec, Object.assign({}, params, { endAfter: 3 }), {
            until: function (r) {
              return enough(r) || r.answers.some(function (a) { return a.error; });
            },
            deadlineMs: 6 * 150 + o.graceMs + 2000,
            expectedEndSeq: 6,
            reconnect: function (r) {
              return enough(r) ? undefined : Object.assign({}, params, { since: r.cursor() });
            },
          });
          return rec;
        },
      },
      'parallel-streams': {
        alone: true,
        sse: async function (ctx) {
          var streams = 7;
          var windowMs = 3000;
          var rec = new Recorder('sse', 'parallel-streams');
          var first = [];
          var sources = [];
          for (var i = 0; i < streams; i++) {
            first.push(null);
            (function (i) {
              rec.requests++;
              // Each stream on its own channel, one event at once and then open: as a tab's stream stays open.
              var es = new EventSource(url('/sse', { count: 1, channel: ctx.channel + '-' + i, probe: ctx.probe }));
              es.onmessage = function () {
                if (first[i] === null) first[i] = rec.now();
                rec.changed();
              };
              sources.push(es);
            })(i);
          }
          var w = waitFor(
            rec,
            function () {
              return first.every(function (t) {
                return t !== null;
              });
            },
            windowMs,
          );
          await w.settled;
          sources.forEach(function (es) {
            es.close();
          });
          rec.payload = { streams: streams, windowMs: windowMs, firstEventAtMs: first };
          return rec;
        },
      },
    };

    async function runCheck(transport, id) {
      var c = checks[id];
      var ctx = { channel: uid(transport + '-' + id), probe: uid('p') };
      var rec;
      try {
        rec = await (c[transport] ? c[transport](ctx) : c.polls(transport, ctx));
      } catch (e) {
        rec = new Recorder(transport, id);
        rec.testerError = 'the ' + id + ' check crashed in the browser: ' + String((e && e.message) || e);
      }
      var obs = rec.finish(await seenOf(ctx.probe), protocolOf(transport));
      // The probe id, for a driver that asks the origin itself what reached it (not part of an observation).
      Object.defineProperty(obs, 'probeId', { value: ctx.probe, enumerable: false });
      if (cfg.onObservation) cfg.onObservation(obs);
      return obs;
    }

    /**
     * Every check of the transports asked for. A browser allows 6 HTTP/1.1
     * connections per host, so the lanes are few: SSE, WebSocket and the two
     * polls together, the waiting checks beside them (at most 5 connections
     * at once), and the seven-stream check alone at the end (it would hold
     * every connection the others need).
     */
    this.run = async function (transports) {
      var lanes = [];
      var queues = {};
      var last = [];
      transports.forEach(function (t) {
        var ids = CHECKS_FOR[t] || [];
        ids.forEach(function (id) {
          if (checks[id].waits) lanes.push(runCheck(t, id));
        });
        var short = ids.filter(function (id) {
          return !checks[id].waits && !checks[id].alone;
        });
        last = last.concat(
          ids
            .filter(function (id) {
              return checks[id].alone;
            })
            .map(function (id) {
              return [t, id];
            }),
        );
        var lane = POLL_PATH[t] ? 'polls' : t;
        queues[lane] = (queues[lane] || []).concat(
          short.map(function (id) {
            return [t, id];
          }),
        );
      });
      Object.keys(queues).forEach(function (lane) {
        lanes.push(
          (async function () {
            var out = [];
            for (var i = 0; i < queues[lane].length; i++) out.push(await runCheck(queues[lane][i][0], queues[lane][i][1]));
            return out;
          })(),
        );
      });
      var observations = [].concat.apply([], await Promise.all(lanes));
      for (var i = 0; i < last.length; i++) observations.push(await runCheck(last[i][0], last[i][1]));
      return observations;
    };
  }


  /**
   * The real-time libraries the origin mounts (--libraries), run with their own
   * browser clients, loaded from the origin: Socket.IO's from /socket.io/socket.io.js
   * (its server serves it), SockJS's from /_lib/sockjs.min.js. Each records a
   * LibraryObservation (src/observation/types.ts), as the Node clients in
   * src/client/libraries do, over the same scenario: the series, a silence, one more event.
   */
  function LibraryRunner(cfg) {
    var o = cfg.options;
    var root = new URL('.', cfg.base);
    var SOCKJS_KINDS = { websocket: 'websocket' };
    var transportOf = {
      'socket.io': function (name) {
        return name === 'websocket' ? 'websocket' : 'long-poll';
      },
      sockjs: function (name) {
        if (SOCKJS_KINDS[name]) return SOCKJS_KINDS[name];
        return /streaming|eventsource|htmlfile/.test(name) ? 'sse' : 'long-poll';
      },
    };
    var scripts = { 'socket.io': 'socket.io/socket.io.js', sockjs: '_lib/sockjs.min.js' };

    function loadScript(path) {
      return new Promise(function (resolve, reject) {
        var el = document.createElement('script');
        el.src = new URL(path, root).toString();
        el.onload = resolve;
        el.onerror = function () {
          reject(new Error('could not load ' + path + ' from the origin'));
        };
        document.head.appendChild(el);
      });
    }

    function recorder(library, scenario) {
      var t0 = performance.now();
      var connection = -1;
      var obs = { library: library, startedAt: Date.now(), durationMs: 0, scenario: scenario, transports: [], arrivals: [], disconnects: [], errors: [], reconnects: 0 };
      var now = function () {
        return Math.round((performance.now() - t0) * 10) / 10;
      };
      return {
        obs: obs,
        connected: function () {
          connection++;
          if (connection > 0) obs.reconnects++;
          if (obs.connectedAtMs === undefined) obs.connectedAtMs = now();
        },
        uses: function (name) {
          var last = obs.transports[obs.transports.length - 1];
          if (!last || last.name !== name) obs.transports.push({ atMs: now(), name: name, transport: transportOf[library](name) });
        },
        message: function (raw) {
          var a = arrivalOf(raw, 16, now(), Math.max(0, connection));
          if (a) obs.arrivals.push(a);
        },
        disconnected: function (reason) {
          obs.disconnects.push({ atMs: now(), reason: String(reason) });
        },
        abandoned: function (attempt) {
          attempt.atMs = now();
          (obs.abandoned = obs.abandoned || []).push(attempt);
        },
        now: now,
        error: function (message, status, body) {
          if (obs.errors.length >= 50) return;
          var e = { atMs: now(), message: String(message) };
          if (status) e.status = status;
          if (body) e.body = String(body).slice(0, 200);
          obs.errors.push(e);
        },
        hasTail: function () {
          return obs.arrivals.some(function (a) {
            return a.seq === scenario.count + 1;
          });
        },
        cursor: function () {
          return obs.arrivals.reduce(function (m, a) {
            return Math.max(m, a.seq);
          }, 0);
        },
        finish: function () {
          obs.durationMs = now();
          return obs;
        },
      };
    }

    function scenarioOf(library) {
      var channel = 'lib-' + library + '-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 8);
      var probe = 'p-' + Math.random().toString(36).slice(2, 10);
      var scenario = { channel: channel, count: o.deliveryCount, intervalMs: o.deliveryIntervalMs, tailMs: o.idleMs };
      var query = { channel: channel, count: String(o.deliveryCount), intervalMs: String(o.deliveryIntervalMs), tailMs: String(o.idleMs), probe: probe };
      if (cfg.token) query.token = cfg.token;
      var windowMs = Math.max(o.connectTimeoutMs, (o.deliveryCount - 1) * o.deliveryIntervalMs + o.idleMs + 2000);
      return { scenario: scenario, query: query, windowMs: windowMs, probe: probe };
    }

    /**
     * Each transport SockJS abandons while still connecting, with its close code
     * and, for its own timer (close 2007), that timer and how late it fired, as
     * src/client/libraries/sockjs.ts records them in Node (sockjs-client 1.6
     * lib/main.js: _connect, _transportClose; max(_timeout, _rto × roundTrips) or 5000 ms).
     */
    function watchSockJsAttempts(sock, rec) {
      var close = sock._transportClose;
      var connect = sock._connect;
      if (typeof close !== 'function' || typeof connect !== 'function') return;
      var startedMs = 0;
      sock._connect = function () {
        startedMs = rec.now();
        return connect.apply(this, arguments);
      };
      sock._transportClose = function (code, reason) {
        var t = this._transport;
        if (t && t.transportName && this.readyState === 0) {
          var attempt = { name: t.transportName, transport: transportOf.sockjs(t.transportName), code: code, reason: String(reason), timedOut: code === 2007 };
          if (attempt.timedOut) {
            attempt.timeoutMs = Math.round(Math.max(this._timeout || 0, (this._rto || 0) * ((t.constructor && t.constructor.roundTrips) || 0) || 5000));
            attempt.lateMs = Math.max(0, Math.round(rec.now() - startedMs - attempt.timeoutMs));
          }
          rec.abandoned(attempt);
        }
        return close.apply(this, arguments);
      };
    }

    var runners = {
      'socket.io': async function () {
        var x = scenarioOf('socket.io');
        var rec = recorder('socket.io', x.scenario);
        var ours = false;
        var w = waitUntil(rec.hasTail, x.windowMs);
        var socket = global.io(root.origin, { path: root.pathname + 'socket.io/', query: x.query, forceNew: true, reconnectionDelay: 250, reconnectionDelayMax: 1000, timeout: o.connectTimeoutMs });
        var manager = socket.io;
        manager.on('open', function () {
          var engine = manager.engine;
          rec.uses(engine.transport.name);
          engine.on('upgrade', function (t) {
            rec.uses(t.name);
          });
        });
        manager.on('error', function (err) {
          var ctx = err && err.context;
          var status = typeof err.description === 'number' ? err.description : ctx && ctx.status;
          rec.error((err && err.message) || String(err), status, ctx && typeof ctx.responseText === 'string' ? ctx.responseText : undefined);
        });
        manager.on('reconnect_attempt', function () {
          manager.opts.query.since = String(rec.cursor());
        });
        socket.on('connect', rec.connected);
        socket.on('event', function (text) {
          rec.message(String(text));
          w.poke();
        });
        socket.on('refused', function (r) {
          rec.error('the origin refused the session: ' + ((r && r.error) || ''), r && r.status);
        });
        socket.on('disconnect', function (reason) {
          if (!ours) rec.disconnected(reason);
        });
        await w.settled;
        ours = true;
        socket.disconnect();
        return { obs: rec.finish(), probe: x.probe };
      },
      sockjs: async function () {
        var x = scenarioOf('sockjs');
        var rec = recorder('sockjs', x.scenario);
        var closed = false;
        var w = waitUntil(function () {
          return closed || rec.hasTail();
        }, x.windowMs);
        var u = new URL('sockjs', root);
        Object.keys(x.query).forEach(function (k) {
          u.searchParams.set(k, x.query[k]);
        });
        // SockJS's own per-transport timeouts (from the round trip it measures), as an app gets them.
        var sock = new global.SockJS(u.toString());
        watchSockJsAttempts(sock, rec);
        sock.onopen = function () {
          rec.connected();
          if (sock.transport) rec.uses(sock.transport);
        };
        sock.onmessage = function (m) {
          rec.message(String(m.data));
          w.poke();
        };
        sock.onclose = function (e) {
          if (closed) return;
          if (rec.obs.connectedAtMs === undefined) rec.error('SockJS could not connect (close ' + e.code + (e.reason ? ' ' + e.reason : '') + ')', e.code >= 4000 && e.code < 5000 ? e.code - 4000 : undefined);
          else rec.disconnected('close ' + e.code + (e.reason ? ' ' + e.reason : ''));
          closed = true;
          w.poke();
        };
        await w.settled;
        closed = true;
        sock.close();
        return { obs: rec.finish(), probe: x.probe };
      },
    };

    /** Every library asked for, side by side; each resolves to its observation (a tester error when its client could not load). */
    this.run = function (libraries) {
      return Promise.all(
        libraries.map(async function (library) {
          try {
            await loadScript(scripts[library]);
            var r = await runners[library]();
            Object.defineProperty(r.obs, 'probeId', { value: r.probe, enumerable: false });
            return r.obs;
          } catch (e) {
            return {
              library: library,
              startedAt: Date.now(),
              durationMs: 0,
              scenario: { channel: '-', count: o.deliveryCount, intervalMs: o.deliveryIntervalMs, tailMs: o.idleMs },
              transports: [],
              arrivals: [],
              disconnects: [],
              errors: [],
              reconnects: 0,
              testerError: 'the browser could not run ' + library + "'s client: " + String((e && e.message) || e),
            };
          }
        }),
      );
    };
  }

  global.PushthroughProbe = {
    checksFor: CHECKS_FOR,
    /**
     * Runs the checks and resolves with their observations.
     * cfg: { base, token?, transports, options: { idleMs, holdMs, deliveryCount,
     * deliveryIntervalMs, graceMs, connectTimeoutMs, pollEveryMs }, onObservation? }
     */
    run: function (cfg) {
      return new Prober(cfg).run(cfg.transports);
    },
    /** Runs the libraries' own clients (cfg: { base, token?, libraries, options }); resolves with their observations. */
    runLibraries: function (cfg) {
      return new LibraryRunner(cfg).run(cfg.libraries || []);
    },
  };
})(typeof window !== 'undefined' ? window : globalThis);
