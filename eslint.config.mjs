import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'src/generated/', 'node_modules/', 'public/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Providers are injected, so Nest checks every dependency at boot: no service locator.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "ImportDeclaration[source.value='@nestjs/core'] ImportSpecifier[imported.name='ModuleRef']",
          message: 'Inject the provider instead of fetching it from a ModuleRef.',
        },
        {
          // Measured (docs/performance.md, "seventh pass"): V8 allocates a function literal written
          // straight into a property (`req.x = () => …`) in its old generation, so whatever it
          // closes over (a request, a response) outlives every young-generation collection until
          // the next full one. Per request that cost 6–12 KB promoted and 7–20 ms scavenges.
          selector: [
            "AssignmentExpression[left.type='MemberExpression'][right.type=/^(ArrowFunctionExpression|FunctionExpression)$/]",
            "AssignmentExpression[left.type='MemberExpression'] > TSAsExpression.right > :matches(ArrowFunctionExpression, FunctionExpression).expression",
          ].join(', '),
          message:
            'Do not assign a function literal straight to a property (V8 allocates it in the old generation, keeping what it closes over alive): return it from a function, or declare it in a const first.',
        },
      ],
    },
  },
  {
    // Bull enters through the job-queue seam (src/jobs/queue): features inject a JobQueue.
    files: ['src/**/*.ts'],
    ignores: ['src/jobs/queue/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['bull', '@nestjs/bull'].map((name) => ({
            name,
            message: 'Use JobQueue from src/jobs/queue/job-queue (@InjectJobQueue).',
          })),
          patterns: [{ group: ['@bull-board/api/bullAdapter'], message: 'Use JobQueue.dashboardAdapter().' }],
        },
      ],
    },
  },
  {
    // Browser scripts served from /static.
    files: ['public/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        window: 'readonly',
        document: 'readonly',
        EventSource: 'readonly',
        fetch: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        FormData: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        navigator: 'readonly',
        location: 'readonly',
      },
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    ignores: ['public/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
