#!/usr/bin/env node
// The dartloop benchmark workloads, in Node (v20): the peer column of `bench/run`.
//
// Prints one line per measurement, `name<TAB>value<TAB>unit` (the same names as
// dartloop_bench where the workload is the same); lines starting with '#' are comments.
// Every time is the median of several repetitions, divided by the number of operations.
//
// Node runs timers on the real clock and clamps setTimeout(0) to 1 ms, so the timer workloads
// that would otherwise measure sleeping are measured as follows, and said so in the names:
//   - batches: create the timers, busy-wait past their due time (the loop cannot run meanwhile),
//     then time how long the loop takes to fire them all; reported = create time + fire time.
//   - the one-at-a-time 1 ms chain cannot avoid the real 1 ms sleep per step, so it reports
//     the CPU time (process.cpuUsage, user + system) per timer instead of wall time.
//
// Usage: node [--expose-gc] node_bench.js [--smoke] [--only NAME_PREFIX]

'use strict';

const { EventEmitter, on, once } = require('events');
const { Worker } = require('worker_threads');
const { spawnSync } = require('child_process');
const path = require('path');

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args[onlyIndex + 1] : '';
const REPS = smoke ? 1 : 5;
const iters = (n) => (smoke ? Math.max(Math.floor(n / 1000), 10) : n);

const now = () => process.hrtime.bigint();
const nsBetween = (a, b) => Number(b - a);
let failures = 0;

function emit(name, value, unit = 'ns/op') {
  process.stdout.write(`${name}\t${value.toFixed(2)}\t${unit}\n`);
}

function check(ok, what) {
  if (!ok) {
    process.stderr.write(`node_bench: FAILED: ${what}\n`);
    failures++;
  }
}

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

const selected = (name) => only === '' || name.startsWith(only);

function collectGarbage() {
  if (typeof global.gc === 'function') global.gc();
}

/// Warm-up run (JIT, caches), then REPS runs; body(n) resolves to the nanoseconds n ops took.
async function measure(n, body, warmN = Math.max(Math.floor(n / 10), 1), reps = REPS) {
  await body(warmN);
  const perOp = [];
  for (let r = 0; r < reps; r++) {
    collectGarbage();
    perOp.push((await body(n)) / n);
  }
  return median(perOp);
}

/// Blocks the loop until @p ms milliseconds after @p since (timers become due, none can fire).
function spinUntil(since, ms) {
  const until = since + BigInt(Math.ceil(ms * 1e6));
  while (now() < until) {
    // busy
  }
}

// --- 1. Microtasks --------------------------------------------------------------------------
// The chains below are spelled out one per scheduler on purpose: one shared chain taking the
// scheduler as a parameter would make its call site polymorphic in V8 and slow Node down,
// which would flatter dartloop's ratios.

/// queueMicrotask: each microtask queues the next one.
function microtaskChain(n) {
  return new Promise((resolve) => {
    let left = n;
    let ran = 0;
    const t0 = now();
    const step = () => {
      ran++;
      if (--left > 0) {
        queueMicrotask(step);
      } else {
        const t1 = now();
        check(ran === n, 'microtask chain ran every microtask');
        resolve(nsBetween(t0, t1));
      }
    };
    queueMicrotask(step);
  });
}

/// A spawner queues 1000 microtasks and then itself; the 1000 drain before it runs again.
function microtaskBatch(n) {
  return new Promise((resolve) => {
    const batch = 1000;
    let batchesLeft = Math.max(Math.floor(n / batch), 1);
    const expected = batchesLeft * batch;
    let ran = 0;
    const worker = () => {
      ran++;
    };
    const t0 = now();
    const spawner = () => {
      for (let i = 0; i < batch; i++) queueMicrotask(worker);
      if (--batchesLeft > 0) {
        queueMicrotask(spawner);
      } else {
        queueMicrotask(() => {
          const t1 = now();
          check(ran === expected, 'microtask batch ran every microtask');
          resolve((nsBetween(t0, t1) * n) / expected);
        });
      }
    };
    queueMicrotask(spawner);
  });
}

// --- 2. Zero-duration timers ----------------------------------------------------------------

/// setImmediate: each callback schedules the next one (one loop turn per callback).
function immediateChain(n) {
  return new Promise((resolve) => {
    let left = n;
    let ran = 0;
    const t0 = now();
    const step = () => {
      ran++;
      if (--left > 0) {
        setImmediate(step);
      } else {
        const t1 = now();
        check(ran === n, 'setImmediate chain ran every callback');
        resolve(nsBetween(t0, t1));
      }
    };
    setImmediate(step);
  });
}

/// n timers with the same delay created at once; time to create them plus time to fire them
/// once they are all due (the busy-wait past the delay is not counted).
function timerBatch(n, delayMs) {
  return new Promise((resolve) => {
    let ran = 0;
    let tFire = 0n;
    let createNs = 0;
    const fire = () => {
      if (++ran === n) {
        const t3 = now();
        resolve(createNs + nsBetween(tFire, t3));
      }
    };
    const t0 = now();
    for (let i = 0; i < n; i++) setTimeout(fire, delayMs);
    const t1 = now();
    createNs = nsBetween(t0, t1);
    spinUntil(t1, Math.max(delayMs, 1) + 2);
    tFire = now();
  });
}

/// setImmediate batch: n at once, then the loop runs them.
function immediateBatch(n) {
  return new Promise((resolve) => {
    let ran = 0;
    const fire = () => {
      if (++ran === n) resolve(nsBetween(t0, now()));
    };
    const t0 = now();
    for (let i = 0; i < n; i++) setImmediate(fire);
  });
}

// --- 3. 1 ms timers -------------------------------------------------------------------------

/// setTimeout(1 ms) chain: CPU time (user + system, all threads) per timer, not wall time.
function oneMsChainCpu(n) {
  return new Promise((resolve) => {
    let left = n;
    const c0 = process.cpuUsage();
    const step = () => {
      if (--left > 0) {
        setTimeout(step, 1);
      } else {
        const c = process.cpuUsage(c0);
        resolve((c.user + c.system) * 1000);
      }
    };
    setTimeout(step, 1);
  });
}

// --- 4. Many pending timers: 1..100 ms, created, then all fired -----------------------------

/// Same deterministic PRNG as dartloop_bench (xorshift64*), seed 42.
function makeRng(seed) {
  let state = BigInt(seed);
  const mask = (1n << 64n) - 1n;
  return () => {
    state ^= state >> 12n;
    state = (state ^ (state << 25n)) & mask;
    state ^= state >> 27n;
    return (state * 0x2545f4914f6cdd1dn) & mask;
  };
}

function spreadDurations(n) {
  const rng = makeRng(42);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = 1 + Number(rng() % 100n);
  return out;
}

function pendingTimers(n, durations) {
  return new Promise((resolve) => {
    let ran = 0;
    let tFire = 0n;
    let createNs = 0;
    const fire = () => {
      if (++ran === n) {
        resolve({ create: createNs, fire: nsBetween(tFire, now()) });
      }
    };
    const t0 = now();
    for (let i = 0; i < n; i++) setTimeout(fire, durations[i]);
    const t1 = now();
    createNs = nsBetween(t0, t1);
    spinUntil(t1, 103);  // every timer (<= 100 ms) is due
    tFire = now();
  });
}

async function benchPendingTimers(n) {
  const durations = spreadDurations(n);
  await pendingTimers(Math.max(Math.floor(n / 10), 1), durations);
  const create = [];
  const fire = [];
  const total = [];
  for (let r = 0; r < Math.min(REPS, 3); r++) {
    collectGarbage();
    const res = await pendingTimers(n, durations);
    create.push(res.create / n);
    fire.push(res.fire / n);
    total.push((res.create + res.fire) / n);
  }
  emit('pending_timers_total', median(total));
  emit('pending_timers_create', median(create));
  emit('pending_timers_fire', median(fire));
}

/// Memory per pending timer or promise (@p kind: 'timers' or 'futures'), in a fresh
/// `node --expose-gc` child (node_pending_memory.js); @p prefix names the three results.
function benchPendingMemory(n, kind = 'timers', prefix = 'pending_timer', unit = 'bytes/timer') {
  const heap = [];
  const rss = [];
  const peak = [];
  for (let r = 0; r < Math.min(REPS, 3); r++) {
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', path.join(__dirname, 'node_pending_memory.js'), String(n), kind],
      { encoding: 'utf8' });
    check(child.status === 0, 'memory child ran');
    for (const line of child.stdout.split('\n')) {
      const [key, value] = line.split('\t');
      if (key === 'heap') heap.push(Number(value));
      if (key === 'rss') rss.push(Number(value));
      if (key === 'peak') peak.push(Number(value));
    }
  }
  if (heap.length === 0) return;
  emit(`${prefix}_peak_rss`, median(peak), unit);
  emit(`${prefix}_rss`, median(rss), unit);
  emit(`${prefix}_heap`, median(heap), unit);
}

// --- 5. Cross-thread round trip -------------------------------------------------------------

async function benchRoundTrip(n, name = 'round_trip') {
  const worker = new Worker(
    "const { parentPort } = require('worker_threads');" +
      "parentPort.on('message', (m) => parentPort.postMessage(m));",
    { eval: true });
  await new Promise((resolve) => worker.once('online', resolve));
  const roundTrips = (count) =>
    new Promise((resolve) => {
      let left = count;
      const t0 = now();
      const onMessage = () => {
        if (--left > 0) {
          worker.postMessage(0);
        } else {
          worker.off('message', onMessage);
          resolve(nsBetween(t0, now()));
        }
      };
      worker.on('message', onMessage);
      worker.postMessage(0);
    });
  emit(name, await measure(n, roundTrips));
  await worker.terminate();
}

// --- 5b. worker_threads: the peers of dartloop's isolate rows --------------------------------
// Each worker is a fresh V8 isolate with its own event loop on its own thread, the nearest
// thing Node has to a Dart isolate. worker_pingpong is the round trip above under the name of
// its isolate row.

/// Spawns @p n workers one after the other, each with an empty script (its loop has nothing
/// to do, so it exits at once), and waits for each one's 'exit' before the next.
async function workerSpawnExit(n) {
  const t0 = now();
  for (let i = 0; i < n; i++) {
    const worker = new Worker('', { eval: true });
    const [code] = await once(worker, 'exit');
    check(code === 0, 'empty worker exited normally');
  }
  return nsBetween(t0, now());
}

/// One long-lived worker that counts the numbers it is sent and, on -1, reports count and sum.
async function benchWorkerOneWay(n) {
  const worker = new Worker(
    "const { parentPort } = require('worker_threads');" +
      'let count = 0; let sum = 0;' +
      "parentPort.on('message', (m) => {" +
      '  if (m === -1) { parentPort.postMessage([count, sum]); count = 0; sum = 0; }' +
      '  else { count++; sum += m; }' +
      '});',
    { eval: true });
  await once(worker, 'online');
  const oneWay = async (count) => {
    const t0 = now();
    for (let i = 1; i <= count; i++) worker.postMessage(i);
    worker.postMessage(-1);
    const [[got, sum]] = await once(worker, 'message');
    const t1 = now();
    check(got === count && sum === (count * (count + 1)) / 2, 'worker received every message');
    return nsBetween(t0, t1);
  };
  emit('worker_oneway', await measure(n, oneWay));
  await worker.terminate();
}

/// The nearest peer of Isolate::run(fn) with a trivial fn: a new worker computes 1 + 1, posts
/// it and exits; a call ends when main has the result. Calls are sequential; a worker's
/// teardown may overlap the next call (as an isolate's exit may), and every worker has exited
/// before the call count is over.
async function workerRunTrivial(n) {
  const exits = [];
  const t0 = now();
  for (let i = 0; i < n; i++) {
    const worker = new Worker("require('worker_threads').parentPort.postMessage(1 + 1);",
                              { eval: true });
    exits.push(once(worker, 'exit'));
    const [result] = await once(worker, 'message');
    check(result === 2, 'the worker computed 1 + 1');
  }
  const t1 = now();
  await Promise.all(exits);
  return nsBetween(t0, t1);
}

// --- 6. Promises and async functions --------------------------------------------------------

const increment = (v) => v + 1;

/// n `.then` on a pending promise, then resolve it: the chain runs as n reaction jobs.
/// Timed from the first `.then` to the last callback, as dartloop's then_chain.
function thenChain(n) {
  let resolveFirst;
  const t0 = now();
  let p = new Promise((resolve) => {
    resolveFirst = resolve;
  });
  for (let i = 0; i < n; i++) p = p.then(increment);
  resolveFirst(0);
  return p.then((last) => {
    const t1 = now();
    check(last === n, 'then chain ran every callback');
    return nsBetween(t0, t1);
  });
}

async function awaitResolvedLoop(p, n) {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await p;
  return sum;
}

/// An async function awaiting the same resolved promise n times (one microtask each).
async function awaitCompleted(n) {
  const done = Promise.resolve(1);
  const t0 = now();
  const sum = await awaitResolvedLoop(done, n);
  const t1 = now();
  check(sum === n, 'await of a resolved promise resumed every time');
  return nsBetween(t0, t1);
}

async function awaitValueLoop(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await 1;
  return sum;
}

/// An async function awaiting the plain value 1 n times.
async function awaitValue(n) {
  const t0 = now();
  const sum = await awaitValueLoop(n);
  const t1 = now();
  check(sum === n, 'await of a value resumed every time');
  return nsBetween(t0, t1);
}

/// The completer pattern: new Promise (keeping its resolve), one `.then`, resolve. In batches
/// as microtaskBatch: a spawner makes 1000, their callbacks run as 1000 reaction jobs, then
/// the spawner runs again behind them.
function completerCycle(n) {
  return new Promise((finish) => {
    const batch = 1000;
    let batchesLeft = Math.max(Math.floor(n / batch), 1);
    const expected = batchesLeft * batch;
    let ran = 0;
    const onValue = (v) => {
      ran += v;
    };
    const t0 = now();
    const spawner = () => {
      for (let i = 0; i < batch; i++) {
        let resolve;
        const p = new Promise((r) => {
          resolve = r;
        });
        p.then(onValue);
        resolve(1);
      }
      if (--batchesLeft > 0) {
        queueMicrotask(spawner);
      } else {
        queueMicrotask(() => {
          const t1 = now();
          check(ran === expected, 'completer cycle ran every callback');
          finish((nsBetween(t0, t1) * n) / expected);
        });
      }
    };
    queueMicrotask(spawner);
  });
}

// --- 7. Streams -----------------------------------------------------------------------------

/// Nearest peer of an asynchronous StreamController with one listener: an EventEmitter fed n
/// 'data' events in one go, consumed through `events.on` (an async iterator that buffers the
/// events nobody has asked for yet) by `for await`. Timed from the first emit to the last
/// value; the loop leaves after n values (which removes the listener).
async function streamControllerEvents(n) {
  const emitter = new EventEmitter();
  const events = on(emitter, 'data');
  const t0 = now();
  for (let i = 0; i < n; i++) emitter.emit('data', i);
  let count = 0;
  let sum = 0;
  for await (const [v] of events) {
    sum += v;
    if (++count === n) break;
  }
  const t1 = now();
  check(count === n && sum === (n * (n - 1)) / 2, 'events.on delivered every value in order');
  return nsBetween(t0, t1);
}

async function* countUp(n) {
  for (let i = 0; i < n; i++) yield i;
}

/// An async generator consumed by `for await`, from the call to the last value.
async function asyncStarAwaitFor(n) {
  const t0 = now();
  let sum = 0;
  for await (const v of countUp(n)) sum += v;
  const t1 = now();
  check(sum === (n * (n - 1)) / 2, 'for await saw every value the generator yielded');
  return nsBetween(t0, t1);
}

// --------------------------------------------------------------------------------------------

async function main() {
  process.stdout.write(`# node_bench ${process.version}: name\tvalue\tunit (median of ${REPS})\n`);
  if (selected('microtask_chain')) {
    emit('microtask_chain', await measure(iters(4000000), microtaskChain));
  }
  if (selected('microtask_batch')) {
    emit('microtask_batch', await measure(iters(4000000), microtaskBatch));
  }
  if (selected('immediate_chain')) {
    emit('immediate_chain', await measure(iters(100000), immediateChain));
  }
  if (selected('immediate_batch')) {
    emit('immediate_batch', await measure(iters(100000), immediateBatch));
  }
  if (selected('timeout0_batch')) {
    emit('timeout0_batch', await measure(iters(100000), (n) => timerBatch(n, 0)));
  }
  if (selected('timeout1_chain_cpu')) {
    emit('timeout1_chain_cpu', await measure(smoke ? 5 : 300, oneMsChainCpu, smoke ? 2 : 30, 3));
  }
  if (selected('timeout1_batch')) {
    emit('timeout1_batch', await measure(iters(100000), (n) => timerBatch(n, 1)));
  }
  if (selected('pending_timers')) await benchPendingTimers(iters(1000000));
  if (selected('pending_timer')) benchPendingMemory(iters(1000000));
  if (selected('round_trip')) await benchRoundTrip(smoke ? 50 : 5000);
  if (selected('worker_spawn_exit')) {
    emit('worker_spawn_exit', await measure(smoke ? 2 : 10, workerSpawnExit, smoke ? 1 : 3));
  }
  if (selected('worker_pingpong')) await benchRoundTrip(smoke ? 50 : 5000, 'worker_pingpong');
  if (selected('worker_oneway')) await benchWorkerOneWay(iters(200000));
  if (selected('worker_run_trivial')) {
    emit('worker_run_trivial', await measure(smoke ? 2 : 10, workerRunTrivial, smoke ? 1 : 3));
  }
  if (selected('then_chain')) emit('then_chain', await measure(iters(1000000), thenChain));
  if (selected('await_completed')) {
    emit('await_completed', await measure(iters(1000000), awaitCompleted));
  }
  if (selected('await_value')) emit('await_value', await measure(iters(1000000), awaitValue));
  if (selected('completer_cycle')) {
    emit('completer_cycle', await measure(iters(1000000), completerCycle));
  }
  if (selected('stream_controller_events')) {
    emit('stream_controller_events', await measure(iters(1000000), streamControllerEvents));
  }
  if (selected('async_star_await_for')) {
    emit('async_star_await_for', await measure(iters(1000000), asyncStarAwaitFor));
  }
  if (selected('pending_future')) {
    benchPendingMemory(iters(1000000), 'futures', 'pending_future', 'bytes/future');
  }
  if (failures > 0) {
    process.stderr.write(`node_bench: ${failures} check(s) failed\n`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  process.stderr.write(`node_bench: ${e.stack}\n`);
  process.exitCode = 1;
});
