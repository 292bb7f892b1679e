import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

// Our packages are ESM; a CommonJS app must still load them through Node's require(esm) (Node >= 20.19).
beforeAll(() => {
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-b', 'packages/core', 'packages/typeorm'], {
    cwd: root,
  });
}, 120_000);

it('a CommonJS app requires the built packages, without warnings', () => {
  const script = `
    const core = require('@nest-users/core');
    const typeorm = require('@nest-users/typeorm');
    const backend = new core.JwtAuthentication({ secret: 'x'.repeat(32), lifetimeSeconds: 60 });
    const module = core.UsersAuthModule.forRoot({ imports: [typeorm.UsersAuthTypeOrmModule.forFeature(class User {})], backends: [backend] });
    process.stdout.write(JSON.stringify({ name: backend.name, controllers: module.controllers.length, global: module.global }));
  `;
  const result = spawnSync(process.execPath, ['--input-type=commonjs', '-e', script], { cwd: root, encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(JSON.parse(result.stdout)).toEqual({ name: 'jwt', controllers: 5, global: true });
});
