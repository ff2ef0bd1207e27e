/**
 * `npm run bench [-- <name>...]`: runs every `bench/*.bench.ts` (or those whose file name contains
 * one of the given names) one after another, each in its own process, and prints a summary. A bench
 * exits 0 when it met its target, 1 when it ran but missed it, anything else when it broke.
 *
 * Benches use their own database and Redis db (BENCH_DATABASE_URL, BENCH_REDIS_URL; see each file),
 * never development data, and only 127.0.0.1.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SummaryLine } from './lib/report';

const BENCH_DIR = __dirname;

function main(): number {
  const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
  const files = readdirSync(BENCH_DIR)
    .filter((file) => file.endsWith('.bench.ts'))
    .filter((file) => !wanted.length || wanted.some((name) => file.includes(name)))
    .sort();
  if (!files.length) {
    console.error(`No bench matches ${wanted.join(', ')}; available: ${readdirSync(BENCH_DIR).join(', ')}`);
    return 2;
  }
  const results: Array<[string, string]> = [];
  const summaryDir = mkdtempSync(join(tmpdir(), 'bench-summary-'));
  const summaryFile = join(summaryDir, 'lines.jsonl');
  for (const file of files) {
    console.log(`\n=== ${file} ===`);
    const started = Date.now();
    const run = spawnSync(
      process.execPath,
      ['-r', 'ts-node/register', '-r', 'tsconfig-paths/register', join(BENCH_DIR, file)],
      {
        stdio: 'inherit',
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', BENCH_SUMMARY_FILE: summaryFile },
      },
    );
    const seconds = ((Date.now() - started) / 1_000).toFixed(0);
    const verdict = run.status === 0 ? 'target met' : run.status === 1 ? 'below target' : 'FAILED';
    results.push([file, `${verdict} (${seconds} s)`]);
  }
  console.log('\n=== summary ===');
  for (const [file, verdict] of results) console.log(`${file.padEnd(36)} ${verdict}`);
  // Each bench's own verdicts, one line per target (lib/report.ts recordSummary).
  const lines = existsSync(summaryFile)
    ? readFileSync(summaryFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as SummaryLine)
    : [];
  for (const { bench, line } of lines) console.log(`  ${bench}: ${line}`);
  rmSync(summaryDir, { recursive: true, force: true });
  return results.some(([, verdict]) => verdict.startsWith('FAILED')) ? 2 : 0;
}

process.exit(main());
