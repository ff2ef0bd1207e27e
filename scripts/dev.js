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
    // Nest drains and exits on SIGTERM; nodemon starts the next process once it has exited, so
    // that one can take the inspector port.
    '--signal',
    'SIGTERM',
    '--delay',
    '0.3',
    ...(options.poll ? ['--legacy-watch'] : []),
    '--exec',
    // nodemon runs this through `sh -c`; `exec` makes Node replace the shell. Otherwise the
    // SIGTERM of a reload ends the shell at once, nodemon starts the new process while the old
    // one still drains and holds the inspector port, and the new one runs without an inspector
    // ("Starting inspector on …:9230 failed: address already in use").
    ['exec', ...node.map(quote)].join(' '),
  ];
  // `exec` again: concurrently also runs commands through `sh -c`; signals then reach nodemon.
  return { name, command: ['exec', ...nodemon.map(quote)].join(' '), prefixColor: color };
});

const { result } = concurrently(commands, {
  prefix: 'name',
  padPrefix: true,
  killOthersOn: ['failure'],
  killSignal: 'SIGTERM',
});
// Stopped by a signal (Ctrl-C; `docker compose stop` sends SIGTERM to this process alone, and
// concurrently passes it to every process under it): once they have all exited, that is a clean
// stop, whatever code nodemon reports for its signal (143).
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => (stopping = true));
result.then(
  () => process.exit(0),
  () => process.exit(stopping ? 0 : 1),
);
