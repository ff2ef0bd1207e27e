import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from './processes';

/**
 * A production build laid out like the image's /app (Dockerfile.prod): `dist/` compiled with
 * `tsconfig.build.json`, beside the project's views/, public/, prisma/, data/ and node_modules
 * (linked). Built into a temporary directory so the working tree's dist/ is left alone.
 */
export function buildProduction(): string {
  const root = mkdtempSync(join(tmpdir(), 'event-planner-prod-'));
  execFileSync(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      join(root, 'dist'),
      '--tsBuildInfoFile',
      join(root, 'tsbuildinfo'),
    ],
    { cwd: PROJECT_ROOT, stdio: 'pipe' },
  );
  for (const entry of ['views', 'public', 'prisma', 'data', 'node_modules']) {
    symlinkSync(join(PROJECT_ROOT, entry), join(root, entry), 'dir');
  }
  return root;
}
