import { appendFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The 1-minute load average on this machine's CPUs, e.g. "3.4 on 2 CPUs". */
export function loadNow(): number {
  return loadavg()[0];
}

export function describeLoad(samples: number[]): string {
  const low = Math.min(...samples).toFixed(1);
  const high = Math.max(...samples).toFixed(1);
  return `load average ${low === high ? low : `${low}–${high}`} on ${cpus().length} CPUs`;
}

/** A plain text table: the first row is the header; columns after the first are right-aligned. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
        .join('  '),
    )
    .join('\n');
}

export interface SummaryLine {
  bench: string;
  line: string;
}

/** bench/run.ts collects these to print every bench's verdicts together at the end. */
export function recordSummary(bench: string, lines: string[]): void {
  const file = process.env.BENCH_SUMMARY_FILE;
  if (!file) return;
  for (const line of lines)
    appendFileSync(file, `${JSON.stringify({ bench, line } satisfies SummaryLine)}\n`);
}
