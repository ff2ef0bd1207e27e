import { resolve } from 'node:path';

/** The repository (or image) root: `src/` and `dist/` both sit one level below it. */
export const PROJECT_ROOT = resolve(__dirname, '..');
export const VIEWS_DIR = resolve(PROJECT_ROOT, 'views');
export const PUBLIC_DIR = resolve(PROJECT_ROOT, 'public');
export const MIGRATIONS_DIR = resolve(PROJECT_ROOT, 'prisma', 'migrations');
