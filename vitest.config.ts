import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, file = 'index') => fileURLToPath(new URL(`./packages/${pkg}/src/${file}.ts`, import.meta.url));

// Tests run against the TypeScript sources; swc emits the decorator metadata Nest's DI needs.
export default defineConfig({
  plugins: [
    swc.vite({
      module: { type: 'es6' },
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      },
    }),
  ],
  resolve: {
    alias: {
      '@nest-users/core': src('core'),
      '@nest-users/typeorm': src('typeorm'),
      '@nest-users/redis': src('redis'),
      // The subpaths first: an alias also matches every import below its name.
      '@nest-users/testing/typeorm': src('testing', 'data-source.fixture'),
      '@nest-users/testing/redis': src('testing', 'redis.fixture'),
      '@nest-users/testing/contracts': src('testing', 'contracts'),
      '@nest-users/testing/jwt': src('testing', 'jwt-forge'),
      '@nest-users/testing': src('testing'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
