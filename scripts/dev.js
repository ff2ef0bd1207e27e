#!/usr/bin/env node
// `npm run dev`: create the development database if missing and migrate, then run web and worker
// with hot reload and the inspector on, output prefixed [web] / [worker]. Ctrl-C stops both.
//
//   npm run dev                                  # web (inspector 127.0.0.1:9229) + worker (:9230)
//   npm run dev -- --only web --inspect-host 0.0.0.0   # one process (the compose services)
//   npm run dev -- --no-migrate --poll           # skip migrate; poll files (bind mounts on macOS)
//
// TypeScript runs through ts-node with SWC (no type-check, ~instant compile) under nodemon, which
// restarts the process when src/ changes. Page templates need no restart (Express only caches
// views in production); partials and e-mail templates are read at boot, so they restart too.
const { spawnSync } = require('node:child_process');
const { parseArgs } = require('node:util');
const { concurrently } = require('concurrently');

const { values: options } = parseArgs({
  options: {
    only: { type: 'string' },
    'no-migrate': { type: 'boolean', default: false },
    'inspect-host': { type: 'string', default: process.env.DEV_INSPECT_HOST || '127.0.0.1' },
    'web-inspect-port': { type: 'string', default: '9229' },
    'worker-inspect-port': { type: 'string', default: '9230' },
    poll: { type: 'boolean', default: false },
  },
});

const PROCESSES = {
  web: {
    entry: 'src/main.ts',
    port: options['web-inspect-port'],
    watch: ['src', 'views/partials', 'views/layout.hbs'],
    color: 'cyan',
  },
  worker: {
    entry: 'src/worker.ts',
    port: options['worker-inspect-port'],
    watch: ['src', 'views'],
    color: 'magenta',
  },
};
const selected = options.only ? [options.only] : Object.keys(PROCESSES);
for (const name of selected) {
  if (!PROCESSES[name]) {
    process.stderr.write(`--only must be one of: ${Object.keys(PROCESSES).join(', ')}\n`);
    process.exit(2);
  }
}

const TS_NODE = ['-r', 'ts-node/register', '-r', 'tsconfig-paths/register'];
// Shell-quotes what needs it (concurrently runs each command through the shell).
const quote = (arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${String(arg).replace(/'/g, `'\\''`)}'`);

if (!options['no-migrate']) {
  // `migrate` creates the database when it is missing, then applies pending migrations.
  const migrate = spawnSync(process.execPath, [...TS_NODE, 'src/cli.ts', 'migrate'], { stdio: 'inherit' });
  if (migrate.status !== 0) {
    process.stderr.write('[dev] migrate failed; is PostgreSQL running (DATABASE_URL)?\n');
    process.exit(migrate.status ?? 1);
  }
}

const commands = selected.map((name) => {
  const { entry, port, watch, color } = PROCESSES[name];
  const node = [process.execPath, `--inspect=${options['inspect-host']}:${port}`, ...TS_NODE, entry];
  const nodemon = [
    process.execPath,
    require.resolve('nodemon/bin/nodemon.js'),
    ...watch.flatMap((path) => ['--watch', path]),
    '--ext',
    'ts,hbs,json',
    '--ignore',
    '**/*.spec.ts',
    // Nest drains and exits on SIGTERM; the next process can then take the inspector port.
    '--signal',
    'SIGTERM',
    '--delay',
    '0.3',
    ...(options.poll ? ['--legacy-watch'] : []),
    '--exec',
    node.map(quote).join(' '),
  ];
  return { name, command: nodemon.map(quote).join(' '), prefixColor: color };
});

const { result } = concurrently(commands, {
  prefix: 'name',
  padPrefix: true,
  killOthersOn: ['failure'],
  killSignal: 'SIGTERM',
});
result.then(
  () => process.exit(0),
  () => process.exit(1),
);
