#!/usr/bin/env node
// Runs `prisma generate` without network access. Prisma 7 generates with WebAssembly, but its CLI
// still looks for the native schema engine first; pointing PRISMA_SCHEMA_ENGINE_BINARY at any
// existing file satisfies that check (see docs/database.md).
const { spawnSync } = require('node:child_process');

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
const result = spawnSync(process.execPath, [require.resolve('prisma/build/index.js'), 'generate'], {
  env,
  stdio: 'inherit',
});
if (result.status !== 0) process.exit(result.status ?? 1);

// The admin (src/admin) needs the full data model (native types, defaults, enum values, relation
// details), which the generated client keeps only in part: write Prisma's DMMF next to the client.
const { readFileSync, writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');
const { getDMMF } = require('@prisma/internals');
const root = join(__dirname, '..');
getDMMF({ datamodel: readFileSync(join(root, 'prisma', 'schema.prisma'), 'utf8') }).then(
  (dmmf) => {
    mkdirSync(join(root, 'src', 'generated'), { recursive: true });
    writeFileSync(join(root, 'src', 'generated', 'dmmf.json'), JSON.stringify(dmmf.datamodel));
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
