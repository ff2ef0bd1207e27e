const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 24 || (major === 24 && minor < 9) || !process.execArgv.includes('--experimental-vm-modules')) {
  // NestJS 12 is ESM-only; Jest loads it only on Node >= 24.9 with --experimental-vm-modules.
  throw new Error(
    'Run the tests with `npm test` (or `npm test -- <paths>`), not `npx jest`: see scripts/test.js.',
  );
}
const { PURE_IN_TEST } = require('./test/projects');

/** @type {import('jest').Config} */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  setupFiles: ['<rootDir>/test/support/test-env.ts'],
};
// Suites on real services: a database and a Redis db of the worker's own, fresh for every file.
const services = {
  ...common,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  setupFilesAfterEnv: ['<rootDir>/test/support/isolation.ts'],
};

// The parts, by path (test/projects.js, which scripts/test.js shares to print each one's time).
module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.spec.ts', ...PURE_IN_TEST.map((file) => `<rootDir>/${file}`)],
    },
    {
      ...services,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.spec.ts'],
      testPathIgnorePatterns: [
        '/node_modules/',
        '<rootDir>/test/docker/',
        'browser[^/]*\\.spec\\.ts$',
        ...PURE_IN_TEST.map((file) => `<rootDir>/${escapeRegExp(file)}$`),
      ],
    },
    {
      ...services,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/**/*browser*.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/docker/'],
    },
    { ...services, displayName: 'docker', testMatch: ['<rootDir>/test/docker/**/*.spec.ts'] },
  ],
  testTimeout: 60_000,
  // Test files run in parallel, each with its own database and Redis db (test/support/test-env.ts).
  // Three workers on two cores: many suites wait on child processes, PostgreSQL and the network.
  maxWorkers: 3,
  // A leaked handle (a Redis reconnect timer, an SSE stream) must not keep a finished run alive in
  // CI; suites close what they open, this is only the safety net.
  forceExit: true,
};
