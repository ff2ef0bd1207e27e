import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checksumOf, readMigrations } from '../../src/database/migrator';
import { MIGRATIONS_DIR, PROJECT_ROOT } from '../../src/paths';

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return undefined;
  }
}

/**
 * A migration is immutable once committed: databases that already applied it would never see the
 * edit, and `migrate` refuses to run against them (checksum mismatch). The test database is created
 * fresh on every run, so that check alone cannot catch an edit; this compares every migration with
 * the content it had in the commit that added it.
 */
describe('committed migrations are never edited', () => {
  const insideGit = git(['rev-parse', '--is-inside-work-tree'])?.trim() === 'true';
  const itInGit = insideGit ? it : it.skip;
  if (!insideGit)
    console.warn('Not a git checkout: cannot compare migrations with their first commit; skipped.');

  itInGit('every migration.sql matches the version first committed', async () => {
    const edited: string[] = [];
    for (const migration of await readMigrations(MIGRATIONS_DIR)) {
      const path = relative(PROJECT_ROOT, join(MIGRATIONS_DIR, migration.name, 'migration.sql'));
      const added = git(['log', '--diff-filter=A', '--format=%H', '--', path])?.trim().split('\n').pop();
      if (!added) continue; // not committed yet: still free to change
      const original = git(['show', `${added}:${path}`]);
      if (original === undefined) continue;
      if (checksumOf(original) !== checksumOf(readFileSync(join(PROJECT_ROOT, path)))) {
        edited.push(`${migration.name} (first committed in ${added.slice(0, 10)})`);
      }
    }
    expect({ edited }).toEqual({ edited: [] });
  });
});
