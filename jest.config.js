const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 24 || (major === 24 && minor < 9) || !process.execArgv.includes('--experimental-vm-modules')) {
  // NestJS 12 is ESM-only; Jest loads it only on Node >= 24.9 with --experimental-vm-modules.
  throw new Error(
    'Run the tests with `npm test` (or `npm test -- <paths>`), not `npx jest`: see scripts/test.js.',
  );
}

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

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  setupFiles: ['<rootDir>/test/support/test-env.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/support/isolation.ts'],
  testTimeout: 60_000,
  // A leaked handle (a Redis reconnect timer, an SSE stream) must not keep a finished run alive in
  // CI; suites close what they open, this is only the safety net.
  forceExit: true,
  // Suites share one test database and Redis db; they run one at a time (npm test uses --runInBand).
  maxWorkers: 1,
};
