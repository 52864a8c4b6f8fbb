// Lint rules beyond what strict TypeScript checks: no `any`, Node built-ins by `node:` name.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['node_modules/', 'test/gql/', '.data/', 'bench/results/', 'examples/client/src/gql/'],
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      'no-debugger': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '^(fs|path|http|https|net|stream|crypto|os|url|util|events|child_process|zlib|timers)(/.*)?$',
              message: "Import Node built-ins with the 'node:' prefix.",
            },
          ],
        },
      ],
    },
  },
);
