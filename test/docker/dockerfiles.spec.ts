import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import dockerignore from '@balena/dockerignore';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { PROJECT_ROOT } from '../support/processes';

const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');
const DOCKERFILES = ['Dockerfile', 'Dockerfile.prod'];

interface Stage {
  name?: string;
  instructions: Instruction[];
}

function stagesOf(file: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(read(file)).getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const args = instruction.getArguments().map((arg) => arg.getValue());
      stages.push({ name: args[2], instructions: [] });
    }
    stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

const args = (instruction: Instruction) => instruction.getArguments().map((arg) => arg.getValue());
const text = (instruction: Instruction) => instruction.getArgumentsContent() ?? '';
const ofKind = (instructions: Instruction[], keyword: string) =>
  instructions.filter((instruction) => instruction.getKeyword() === keyword);

/**
 * The checks hadolint would make that matter here (hadolint itself is neither on npm nor in
 * Debian): each returns the problems found, named after hadolint's rule codes.
 */
function bestPracticeProblems(file: string): string[] {
  const stages = stagesOf(file);
  const all = stages.flatMap((stage) => stage.instructions);
  const names = new Set(stages.map((stage) => stage.name).filter(Boolean));
  const problems: string[] = [];
  for (const from of ofKind(all, 'FROM')) {
    const image = args(from)[0];
    if (names.has(image)) continue;
    if (!/:[\w.-]+$/.test(image) || image.endsWith(':latest'))
      problems.push(`DL3006/7 untagged or latest: ${image}`);
  }
  for (const instruction of [...ofKind(all, 'CMD'), ...ofKind(all, 'ENTRYPOINT')]) {
    if (!text(instruction).trim().startsWith('['))
      problems.push(`DL3025 not exec form: ${text(instruction)}`);
  }
  if (ofKind(all, 'ADD').length) problems.push('DL3020 ADD instead of COPY');
  const pipefail = ofKind(all, 'SHELL').some((shell) => text(shell).includes('pipefail'));
  for (const run of ofKind(all, 'RUN')) {
    const command = text(run);
    if (/(^|[^|])\|([^|]|$)/.test(command) && !pipefail)
      problems.push(`DL4006 pipe without pipefail: ${command}`);
    if (/(^|&&|;)\s*cd\s/.test(command)) problems.push(`DL3003 cd instead of WORKDIR: ${command}`);
    if (/\bnpm (install|i)\b/.test(command)) problems.push(`npm install instead of npm ci: ${command}`);
    if (/apt-get install/.test(command)) {
      if (!/apt-get update/.test(command))
        problems.push('DL3009 apt-get install without update in the same RUN');
      if (!/--no-install-recommends/.test(command))
        problems.push('DL3015 apt-get install without --no-install-recommends');
      if (!/\s-y\b|--yes/.test(command)) problems.push('DL3014 apt-get install without -y');
      if (!/rm -rf \/var\/lib\/apt\/lists/.test(command)) problems.push('DL3009 apt lists not removed');
    }
  }
  for (const workdir of ofKind(all, 'WORKDIR')) {
    if (!text(workdir).startsWith('/')) problems.push(`DL3000 relative WORKDIR ${text(workdir)}`);
  }
  for (const copy of ofKind(all, 'COPY')) {
    const from = /--from=(\S+)/.exec(copy.getTextContent())?.[1];
    if (from && !names.has(from)) problems.push(`DL3022 COPY --from an undefined stage: ${from}`);
  }
  const users = ofKind(stages.at(-1)!.instructions, 'USER');
  // As in hadolint, `# hadolint ignore=DL3002` on the line above states that root is deliberate.
  const lines = read(file).split('\n');
  const ignored = (instruction: Instruction) =>
    /#\s*hadolint ignore=.*DL3002/.test(lines[instruction.getRange().start.line - 1] ?? '');
  if (!users.length || (['root', '0'].includes(text(users.at(-1)!)) && !ignored(users.at(-1)!)))
    problems.push('DL3002 final user is root');
  return problems;
}

/** COPY sources from the build context (not from another stage). */
function contextSources(file: string): string[] {
  return ofKind(
    stagesOf(file).flatMap((stage) => stage.instructions),
    'COPY',
  )
    .filter((copy) => !copy.getTextContent().includes('--from='))
    .flatMap((copy) =>
      args(copy)
        .filter((arg) => !arg.startsWith('--'))
        .slice(0, -1),
    );
}

describe('Dockerfiles', () => {
  const ignore = dockerignore({ ignorecase: false }).add(read('.dockerignore'));

  describe.each(DOCKERFILES)('%s', (file) => {
    it('lints clean (dockerfile-utils: syntax, instructions, flags)', () => {
      expect(
        validate(read(file)).map((problem) => `${problem.range.start.line + 1}: ${problem.message}`),
      ).toEqual([]);
    });

    it('follows the Dockerfile best practices hadolint checks', () => {
      expect(bestPracticeProblems(file)).toEqual([]);
    });

    it('copies only paths that exist and that .dockerignore lets into the context', () => {
      const sources = contextSources(file);
      expect(sources.length).toBeGreaterThan(0);
      const paths = sources.map((source) => source.replace(/\/$/, ''));
      expect(paths.filter((path) => !existsSync(join(PROJECT_ROOT, path)))).toEqual([]);
      expect(paths.filter((path) => path !== '.' && ignore.ignores(path))).toEqual([]);
    });

    it('uses the Node LTS major of .nvmrc on Debian slim, UTF-8 and a time zone', () => {
      const content = read(file);
      expect(content).toMatch(new RegExp(`^FROM node:${read('.nvmrc').trim()}-bookworm-slim\\b`, 'm'));
      expect(content).toMatch(/LANG=C\.UTF-8/);
      expect(content).toMatch(/TZ=UTC/);
    });
  });

  it('the linters are not vacuous', () => {
    expect(validate('FROM node:22\nCOPY --chwn=node a b\n').length).toBeGreaterThan(0);
  });

  it('Dockerfile.prod: multi-stage, production dependencies only, non-root, init, health check', () => {
    const stages = stagesOf('Dockerfile.prod');
    expect(stages.length).toBeGreaterThanOrEqual(3);
    const runtime = stages.at(-1)!.instructions;
    const content = read('Dockerfile.prod');
    expect(content).toMatch(/npm ci --omit=dev/);
    expect(text(ofKind(runtime, 'USER').at(-1)!)).toBe('node');
    expect(JSON.parse(text(ofKind(runtime, 'ENTRYPOINT')[0]))).toEqual(['/usr/bin/tini', '--']);
    expect(text(ofKind(runtime, 'ENV')[0])).toMatch(/NODE_ENV=production/);
    expect(text(ofKind(runtime, 'HEALTHCHECK')[0])).toContain('dist/healthcheck.js');
    expect(text(ofKind(runtime, 'CMD')[0])).toBe('["node", "dist/main.js"]');
    // Only what runs: dependencies and the build from earlier stages, templates, static files,
    // migrations and data files from the context.
    const copied = ofKind(runtime, 'COPY').map((copy) =>
      args(copy).filter((arg) => !arg.startsWith('--from')),
    );
    expect(copied.map((parts) => parts.at(-1))).toEqual([
      './node_modules',
      './dist',
      'views/',
      'public/',
      'prisma/',
      'data/',
    ]);
  });

  it("Dockerfile (dev): the entrypoint starts as root only to take the checkout owner's uid", () => {
    const users = ofKind(stagesOf('Dockerfile')[0].instructions, 'USER').map(text);
    expect(users).toEqual(['node', 'root']);
    expect(read('docker/dev-entrypoint.sh')).toMatch(/exec setpriv --reuid="\$uid" --regid="\$gid"/);
    expect(bestPracticeProblems('Dockerfile')).toEqual([]);
  });

  it('Dockerfile (dev): dependencies in their own layer, Prisma client generated, scripts/dev.js with the inspector', () => {
    const content = read('Dockerfile');
    expect(content.indexOf('COPY --chown=node:node package.json package-lock.json ./')).toBeLessThan(
      content.indexOf('COPY --chown=node:node . .'),
    );
    expect(content).toMatch(/RUN npm run prisma:generate/);
    expect(content).toMatch(/CMD \["node", "scripts\/dev\.js", "--inspect-host", "0\.0\.0\.0"\]/);
  });

  it('.dockerignore keeps host builds and secrets out of the context', () => {
    for (const path of [
      'node_modules',
      'dist',
      '.git',
      '.env',
      '.env.production',
      'coverage',
      'src/generated',
    ]) {
      expect({ path, ignored: ignore.ignores(path) }).toEqual({ path, ignored: true });
    }
    for (const path of ['src', 'views', 'public', 'prisma', 'package-lock.json', '.env.example']) {
      expect({ path, ignored: ignore.ignores(path) }).toEqual({ path, ignored: false });
    }
  });
});
