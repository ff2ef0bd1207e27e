#!/usr/bin/env node
// A small HTTP load generator for fault tests, run as its own process (never inside the server's):
//   node test/support/http-load-process.js <base-url> <connections> <seconds> <path> [<path>…]
// <connections> loops each send requests back to back, cycling through the paths, over a
// keep-alive agent holding that many sockets, for <seconds> or until SIGTERM (then it lets the
// requests in flight finish). A path may start with a method ("POST /api/…"); HTTP_LOAD_HEADERS
// (JSON) adds headers to every request. Every 100 responses it prints `HTTP_LOAD_RESPONSES <n>`; at
// the end one line:
//   HTTP_LOAD {"requests":N,"statuses":{"200":N,…},"refused":N,"cut":{"ECONNRESET":N,…},"samples":[…],"slowestMs":N}
// "refused": the connection was refused (the server had stopped listening; nothing was sent).
// "cut": a request was written and the connection failed before a whole response came back (reset,
// closed, hang-up): what a graceful shutdown must never do. wrk cannot tell the two apart (it counts
// refused connects as write errors), hence this script.
const http = require('node:http');
const { setTimeout } = require('node:timers');
const { URL } = require('node:url');

const [baseUrl, connections = '64', seconds = '5', ...paths] = process.argv.slice(2);
if (!baseUrl || !paths.length) {
  process.stderr.write('usage: http-load-process.js <base-url> <connections> <seconds> <path> [<path>…]\n');
  process.exit(2);
}
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(connections) });
const headers = JSON.parse(process.env.HTTP_LOAD_HEADERS || '{}');
let deadline = Date.now() + Number(seconds) * 1000;
process.once('SIGTERM', () => (deadline = 0));
const result = { requests: 0, statuses: {}, refused: 0, cut: {}, samples: [], slowestMs: 0 };

function once(spec) {
  const [method, path] = spec.includes(' ') ? spec.split(' ', 2) : ['GET', spec];
  const started = Date.now();
  return new Promise((resolve) => {
    const req = http.request(new URL(path, baseUrl), { agent, method, headers }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => {
        result.requests += 1;
        // Progress, so a test can act once the load is really flowing (not after a guessed delay).
        if (result.requests % 100 === 0) process.stdout.write(`HTTP_LOAD_RESPONSES ${result.requests}\n`);
        result.slowestMs = Math.max(result.slowestMs, Date.now() - started);
        result.statuses[res.statusCode] = (result.statuses[res.statusCode] ?? 0) + 1;
        resolve(true);
      });
      res.on('error', (error) => fail(error, path, resolve));
    });
    req.on('error', (error) => fail(error, path, resolve));
    req.end();
  });
}

function fail(error, path, resolve) {
  if (error.code === 'ECONNREFUSED') {
    result.refused += 1;
    // The server is gone: do not spin.
    setTimeout(() => resolve(false), 20);
    return;
  }
  const code = error.code ?? error.message;
  result.cut[code] = (result.cut[code] ?? 0) + 1;
  if (result.samples.length < 5) result.samples.push(`${path}: ${error.message}`);
  resolve(false);
}

async function loop(offset) {
  for (let n = offset; Date.now() < deadline; n += 1) await once(paths[n % paths.length]);
}

Promise.all(Array.from({ length: Number(connections) }, (_, index) => loop(index))).then(() => {
  agent.destroy();
  process.stdout.write(`HTTP_LOAD ${JSON.stringify(result)}\n`);
});
