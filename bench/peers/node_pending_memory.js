#!/usr/bin/env node
// Memory per pending setTimeout, or per pending promise with one `.then`, measured in a fresh
// process: node --expose-gc node_pending_memory.js N [timers|futures]
// Prints `heap`, `rss` and `peak` (bytes per item): V8 heap in use after a full GC, resident
// set size, and the growth of the peak resident set size (resourceUsage().maxRSS).
// Timers use one shared callback (no closure per timer) and durations of 1..100 ms, as
// dartloop_bench; promises use one shared callback too.

'use strict';

const n = Number(process.argv[2] || 1000000);
const gc = global.gc || (() => {});

function sample() {
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.external + m.arrayBuffers, rss: m.rss,
           peak: process.resourceUsage().maxRSS * 1024 };
}

let ran = 0;
const fire = () => {
  ran++;
};
const kind = process.argv[3] || 'timers';
let before;
let after;
if (kind === 'futures') {
  // A pending promise with one `.then` (one shared callback and one shared executor, so no
  // closure per promise), kept alive by an array that is grown to n first, so that the array
  // is part of the baseline and only the promises are counted. The promise is kept, not its
  // resolve function: that function and its context would add about 110 bytes more.
  const keepPending = () => {};
  const promises = [];
  for (let i = 0; i < n; i++) promises.push(null);
  // Warm up the promise machinery.
  new Promise((resolve) => resolve(1)).then(fire);
  before = sample();
  for (let i = 0; i < n; i++) {
    const p = new Promise(keepPending);
    p.then(fire);
    promises[i] = p;
  }
  after = sample();
  if (promises.length !== n) process.exit(1);
} else {
  // The durations are computed first (xorshift64*, seed 42, as dartloop_bench) so that their
  // array is part of the baseline, not of the timers.
  const durations = new Int32Array(n);
  let state = 42n;
  const mask = (1n << 64n) - 1n;
  for (let i = 0; i < n; i++) {
    state ^= state >> 12n;
    state = (state ^ (state << 25n)) & mask;
    state ^= state >> 27n;
    durations[i] = 1 + Number(((state * 0x2545f4914f6cdd1dn) & mask) % 100n);
  }
  // Warm up the timer machinery (lists, the priority queue, the libuv handle).
  setTimeout(fire, 1);
  before = sample();
  for (let i = 0; i < n; i++) setTimeout(fire, durations[i]);
  after = sample();
}
const per = (key) => Math.max(after[key] - before[key], 0) / n;
process.stdout.write(`heap\t${per('heap').toFixed(3)}\nrss\t${per('rss').toFixed(3)}\n` +
                     `peak\t${per('peak').toFixed(3)}\n`);
process.exit(0);  // do not wait for a million timers or promises
