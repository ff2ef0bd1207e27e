import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PROJECT_ROOT } from './processes';

const CACHE = join(PROJECT_ROOT, 'node_modules', '.cache', 'event-planner-prod');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/** What the compiled output depends on: the sources and the compiler's settings and version. */
function sourceHash(): string {
  const hash = createHash('sha256');
  const inputs = [
    ...filesUnder(join(PROJECT_ROOT, 'src')),
    ...['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].map((file) => join(PROJECT_ROOT, file)),
  ].sort();
  for (const file of inputs)
    hash.update(relative(PROJECT_ROOT, file)).update('\0').update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

/**
 * `dist/` compiled with `tsconfig.build.json`, once per state of the sources: kept under
 * node_modules/.cache keyed by their hash, so the suites that need it (and later runs) share one
 * `tsc` build. Built aside and renamed into place, so parallel suites never see half a build.
 */
function compiledDist(): string {
  const key = sourceHash();
  const dist = join(CACHE, key);
  if (existsSync(dist)) return dist;
  mkdirSync(CACHE, { recursive: true });
  const building = mkdtempSync(join(CACHE, `${key}.building-`));
  execFileSync(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      join(building, 'dist'),
      '--tsBuildInfoFile',
      join(building, 'tsbuildinfo'),
    ],
    { cwd: PROJECT_ROOT, stdio: 'pipe' },
  );
  try {
    renameSync(join(building, 'dist'), dist);
  } catch (error) {
    // Another suite finished the same build first: use that one.
    if (!existsSync(dist)) throw error;
  }
  rmSync(building, { recursive: true, force: true });
  // Builds of older sources are of no more use.
  for (const entry of readdirSync(CACHE)) {
    if (entry !== key && !entry.includes('.building-'))
      rmSync(join(CACHE, entry), { recursive: true, force: true });
  }
  return dist;
}

/**
 * A production build laid out like the image's /app (Dockerfile.prod): `dist/` compiled with
 * `tsconfig.build.json` (copied from the cache above: the app finds views/ and the rest beside its
 * dist/), beside the project's views/, public/, prisma/, data/ and node_modules (linked). In a
 * temporary directory of the caller's own, so the working tree's dist/ is left alone and what a
 * suite writes there stays its own.
 */
export function buildProduction(): string {
  const dist = compiledDist();
  const root = mkdtempSync(join(tmpdir(), 'event-planner-prod-'));
  cpSync(dist, join(root, 'dist'), { recursive: true });
  for (const entry of ['views', 'public', 'prisma', 'data', 'node_modules']) {
    symlinkSync(join(PROJECT_ROOT, entry), join(root, entry), 'dir');
  }
  return root;
}
