// The test suite's parts (Jest projects), shared by jest.config.js and scripts/test.js (which prints
// each part's time). Where a test file belongs follows from its path, so a new file needs nothing:
//   unit         src/**/*.spec.ts, and the pure-logic files under test/ listed below: no database,
//                no Redis, no processes (`npm test -- --selectProjects unit`)
//   browser      test/**/*browser*.spec.ts: Chromium against the live app
//   docker       test/docker/**: compose files, Dockerfiles, production builds, containers
//   integration  every other test/**/*.spec.ts: real PostgreSQL, Redis, SMTP, worker processes
const PURE_IN_TEST = ['test/database/migrations-immutable.spec.ts', 'test/support/eventually.spec.ts'];

const PROJECTS = ['unit', 'integration', 'browser', 'docker'];

/** The project of a test file, from its path relative to the repository root. */
function projectOf(path) {
  const file = path.split('\\').join('/');
  if (file.startsWith('test/docker/')) return 'docker';
  if (file.startsWith('src/') || PURE_IN_TEST.includes(file)) return 'unit';
  if (/browser[^/]*\.spec\.ts$/.test(file)) return 'browser';
  return 'integration';
}

module.exports = { PROJECTS, PURE_IN_TEST, projectOf };
