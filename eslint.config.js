// Lint encodes the architecture: module boundaries by tag (scope × type), type-aware rules that
// catch lost promises and unhandled variants, and file rules that keep infrastructure clients in
// the modules that own them. Every rule here fails CI.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const appScopes = ['gateway', 'ingest', 'messaging', 'scheduling', 'records', 'audit', 'api', 'console'];


/** Tag constraints; test files may additionally use `type:testing` libraries (fixtures, builders). */
function boundaries({ inTests }) {
  const testing = inTests ? ['type:testing'] : [];
  return {
    enforceBuildableLibDependency: false,
    allow: [],
    depConstraints: [
      // type axis: what kind of project may use what kind
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:data', 'type:contracts', 'type:util', ...testing] },
      { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:data', 'type:contracts', 'type:util', ...testing] },
      { sourceTag: 'type:data', onlyDependOnLibsWithTags: ['type:data', 'type:contracts', 'type:util', ...testing] },
      { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:contracts', ...testing] },
      { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [...testing] },
      // the test fixtures may start the local infrastructure tools
      { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:testing', 'type:tool', 'type:domain', 'type:data', 'type:contracts', 'type:util'] },
      { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:tool', 'type:testing', 'type:data', 'type:contracts', 'type:util'] },
      // end-to-end suites inspect what the processes left in Postgres and Kafka
      { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:testing', 'type:data', 'type:contracts', 'type:util', 'type:tool'] },
      // scope axis: a service uses its own code and shared code, never another service's
      ...appScopes.map((scope) => ({
        sourceTag: `scope:${scope}`,
        onlyDependOnLibsWithTags: [`scope:${scope}`, 'scope:shared'],
      })),
      { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
      // The simulator plays Meta on its own: it shares no signing, parsing or types with the
      // gateway's WhatsApp library, so that the two implementations check each other. Its tests
      // may use Careline's verifier, precisely to check the simulator against it.
      {
        sourceTag: 'scope:simulator',
        onlyDependOnLibsWithTags: ['scope:simulator', 'scope:shared'],
        notDependOnLibsWithTags: inTests ? [] : ['edge:whatsapp'],
      },
    ],
  };
}

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/.nx/**', '**/.local/**', 'libs/contracts/src/gen/**', '**/*.js', '**/*.mjs', '**/*.cjs'],
  },
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/only-throw-error': 'error',
      'no-console': 'error',
      eqeqeq: ['error', 'always'],
      '@nx/enforce-module-boundaries': ['error', boundaries({ inTests: false })],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'pg', message: 'Database access lives in libs/db and in an app\'s `db/` data modules.' },
            { name: 'kafkajs', message: 'Kafka access lives in libs/bus.' },
            { name: 'testcontainers', message: 'Only libs/testing may load testcontainers, and lazily.' },
          ],
        },
      ],
    },
  },
  {
    // the modules that own the infrastructure clients
    files: ['libs/db/src/**/*.ts', 'apps/*/src/db/**/*.ts', 'libs/testing/src/**/*.ts', 'tools/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'kafkajs', message: 'Kafka access lives in libs/bus.' }] }] },
  },
  {
    files: ['libs/bus/src/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['libs/testing/src/**/*.ts', 'tools/**/*.ts'],
    rules: { 'no-restricted-imports': 'off', 'no-console': 'off' },
  },
  {
    files: ['**/*.test.ts', '**/*.bench.ts', '**/vitest.config.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name=/^(it|test|describe)$/][property.name='only']",
          message: 'Focused tests (.only) must not be committed.',
        },
      ],
      '@nx/enforce-module-boundaries': ['error', boundaries({ inTests: true })],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
