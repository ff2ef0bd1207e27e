#!/usr/bin/env node
// Runs `prisma generate` without network access. Prisma 7 generates with WebAssembly, but its CLI
// still looks for the native schema engine first; pointing PRISMA_SCHEMA_ENGINE_BINARY at any
// existing file satisfies that check (see README, "Migrations").
const { spawnSync } = require('node:child_process');

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
const result = spawnSync(process.execPath, [require.resolve('prisma/build/index.js'), 'generate'], {
  env,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
