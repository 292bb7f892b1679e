import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What a new user does, from the README alone: pack the packages, install them with the README's install lines into
 * a fresh app laid out as `nest new` makes it (ESM) and into a CommonJS copy, write the README's files, build with
 * `tsc` and `skipLibCheck: false`, start `node dist/main.js` and go through register → login → protected route.
 * The README's code and install lines are read from README.md itself, so a change there is tested here.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGES = ['core', 'typeorm', 'redis', 'testing'] as const;
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const rootVersion = (name: string): string =>
  (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

interface PackedFile {
  path: string;
}
interface Packed {
  name: string;
  filename: string;
  files: PackedFile[];
}

let work: string;
let packed: Packed[];
const esmApp = () => join(work, 'esm-app');
const cjsApp = () => join(work, 'cjs-app');
const timings: string[] = [];
const builds = new Map<string, Promise<string>>();

function run(command: string, args: string[], cwd: string, timeoutMs = 180_000): string {
  const started = Date.now();
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  timings.push(
    `${basename(command)} ${args[0]}${args[0] === 'install' ? ` (${args.length} args)` : ''}: ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status ?? result.signal}) in ${cwd}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** `run`, without blocking: the two apps build at the same time. */
function runAsync(command: string, args: string[], cwd: string): Promise<string> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NODE_OPTIONS: '' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      timings.push(`${basename(command)} ${args.join(' ')} (${basename(cwd)}): ${((Date.now() - started) / 1000).toFixed(1)} s`);
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} failed (${code}) in ${cwd}:\n${output}`));
    });
  });
}

/** The text of one `## ` section of the README (up to the next `## ` heading). */
function readmeSection(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${title}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Every fenced block of `lang` in a piece of the README. */
const codeBlocks = (text: string, lang: string): string[] =>
  [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((match) => match[1]!);

/** The README's `npm install` lines of these sections, in order. */
const installLines = (...sections: string[]): string[] =>
  sections
    .flatMap((title) => codeBlocks(readmeSection(title), 'bash'))
    .flatMap((block) => block.split('\n'))
    .filter((line) => /^npm install /.test(line));

/** The README's app files: the TypeScript blocks whose first line names their place, as `// src/main.ts`. */
function readmeFiles(...sections: string[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const block of sections.flatMap((title) => codeBlocks(readmeSection(title), 'ts'))) {
    const path = /^\/\/ (src\/[\w./-]+\.ts)\n/.exec(block)?.[1];
    if (!path) continue;
    if (files.has(path)) throw new Error(`README.md has two blocks for ${path}`);
    files.set(path, block);
  }
  return files;
}

/** `package.json` of a fresh `nest new` app: Nest's runtime dependencies and the TypeScript toolchain, nothing of ours. */
function scaffold(dir: string, type: 'module' | 'commonjs'): void {
  mkdirSync(join(dir, 'src'), { recursive: true });
  const pinned = (names: string[]) => Object.fromEntries(names.map((name) => [name, rootVersion(name)]));
  const pkg = {
    name: `fresh-${type}-app`,
    version: '0.0.1',
    private: true,
    type,
    scripts: { build: 'tsc -p tsconfig.json', 'start:prod': 'node dist/main.js' },
    dependencies: pinned(['@nestjs/common', '@nestjs/core', '@nestjs/platform-express', 'reflect-metadata', 'rxjs']),
    devDependencies: pinned(['@nestjs/testing', '@types/express', '@types/node', 'typescript']),
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  // nest new's tsconfig, made strict and with skipLibCheck off; TypeScript 6 wants `types` spelled out, and
  // TypeORM's typings (a MongoDB driver type) need the disposable lib: both are said in the README.
  const tsconfig = {
    compilerOptions: {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      resolvePackageJsonExports: true,
      esModuleInterop: true,
      isolatedModules: true,
      declaration: true,
      removeComments: true,
      emitDecoratorMetadata: true,
      experimentalDecorators: true,
      allowSyntheticDefaultImports: true,
      target: 'ES2023',
      lib: ['ES2023', 'ESNext.Disposable'],
      types: ['node'],
      sourceMap: true,
      outDir: './dist',
      rootDir: './src',
      strict: true,
      skipLibCheck: false,
      forceConsistentCasingInFileNames: true,
    },
    include: ['src'],
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
}

/** Runs a README install line in `dir`, the `@nest-users/*` names replaced by the tarballs (the README's pack route). */
function install(line: string, dir: string): void {
  const args = line
    .replace(/\s+#.*$/, '')
    .split(/\s+/)
    .slice(2)
    .map((arg) => {
      const ours = /^@nest-users\/([\w-]+)$/.exec(arg);
      if (!ours) return arg;
      const tarball = packed.find((p) => p.name === arg);
      if (!tarball) throw new Error(`README installs ${arg}, which is not one of the packed packages`);
      return join(work, 'tarballs', tarball.filename);
    });
  // Registry packages come from npm's cache (the one the repository's own install filled). Install scripts are
  // skipped: the only one the app needs is better-sqlite3's native build, taken below from the repository's
  // node_modules (same version, same Node) instead of compiling it again (a minute here; users get a prebuilt one).
  run('npm', ['install', ...args, '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], dir);
}

function provideSqliteBinding(dir: string): void {
  const target = join(dir, 'node_modules/better-sqlite3');
  if (!existsSync(target)) return; // not installed: the app's build or start fails and says so
  const version = (JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')) as { version: string }).version;
  if (version !== rootVersion('better-sqlite3')) {
    run('npm', ['rebuild', 'better-sqlite3'], dir, 300_000);
    return;
  }
  const binding = 'build/Release/better_sqlite3.node';
  mkdirSync(dirname(join(target, binding)), { recursive: true });
  copyFileSync(join(root, 'node_modules/better-sqlite3', binding), join(target, binding));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Started {
  child: ChildProcess;
  base: string;
  output(): string;
  errors(): string;
}

/** `npm run start:prod` as the README says, on a free port; resolves once it answers HTTP. */
async function start(dir: string): Promise<Started> {
  const port = await freePort();
  const env = { ...process.env, NODE_OPTIONS: '', PORT: String(port), JWT_SECRET: randomBytes(32).toString('base64url') };
  const child = spawn(process.execPath, ['dist/main.js'], { cwd: dir, env });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app exited (${child.exitCode}):\n${stdout}\n${stderr}`);
    try {
      await fetch(`${base}/docs-json`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`the app did not answer within 30 s:\n${stdout}\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return { child, base, output: () => stdout, errors: () => stderr };
}

/** The README's curl steps, over HTTP. */
async function registerLoginAndReadNotes(base: string): Promise<void> {
  const register = await fetch(`${base}/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'a@b.io', password: 'correct horse' }),
  });
  expect(register.status).toBe(201);
  const login = await fetch(`${base}/auth/jwt/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'username=a@b.io&password=correct horse',
  });
  expect(login.status).toBe(200);
  const { access_token, token_type } = (await login.json()) as { access_token: string; token_type: string };
  expect(token_type).toBe('bearer');
  const notes = await fetch(`${base}/notes`, { headers: { Authorization: `Bearer ${access_token}` } });
  expect(notes.status).toBe(200);
  expect(await notes.json()).toEqual({ owner: 'a@b.io', notes: [] });
  expect((await fetch(`${base}/notes`)).status).toBe(401);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nest-users-packaging-'));
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', ...PACKAGES.map((p) => `packages/${p}`)], root);
  mkdirSync(join(work, 'tarballs'));
  const workspaces = PACKAGES.flatMap((p) => ['-w', `packages/${p}`]);
  packed = JSON.parse(
    run('npm', ['pack', ...workspaces, '--pack-destination', join(work, 'tarballs'), '--json'], root),
  ) as Packed[];

  // One install for both apps: the CommonJS app differs only in its package.json `type` and shares node_modules.
  scaffold(esmApp(), 'module');
  for (const line of installLines('Install', 'Testing your app')) install(line, esmApp());
  provideSqliteBinding(esmApp());
  for (const [path, source] of readmeFiles('Quick start', 'Testing your app')) writeFileSync(join(esmApp(), path), source);
  // The examples of the packages' own READMEs are compiled beside them (not run: they connect to real servers). The
  // contract-suite example is left out: it needs vitest and an adapter of the reader's own.
  for (const name of PACKAGES) {
    const examples = codeBlocks(readFileSync(join(root, 'packages', name, 'README.md'), 'utf8'), 'ts');
    examples
      .filter((source) => !source.includes('@nest-users/testing/contracts'))
      .forEach((source, i) => writeFileSync(join(esmApp(), 'src', `readme-${name}-${i + 1}.ts`), source));
  }

  scaffold(cjsApp(), 'commonjs');
  const installed = JSON.parse(readFileSync(join(esmApp(), 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(
    join(cjsApp(), 'package.json'),
    JSON.stringify({ ...installed, name: 'fresh-commonjs-app', type: 'commonjs' }, null, 2),
  );
  symlinkSync(join(esmApp(), 'node_modules'), join(cjsApp(), 'node_modules'), 'dir');
  for (const [path, source] of readmeFiles('Quick start')) writeFileSync(join(cjsApp(), path), source);

  // `npm run build` is `tsc -p tsconfig.json`, with skipLibCheck: false. Caught here, awaited by the build tests.
  for (const app of [esmApp(), cjsApp()]) {
    const build = runAsync('npm', ['run', 'build', '--silent'], app);
    build.catch(() => {});
    builds.set(app, build);
  }
}, 300_000);

afterAll(() => {
  console.log(`packaging: ${timings.join('; ')}`);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the tarballs', () => {
  it.each(PACKAGES)('@nest-users/%s ships its code, README, LICENSE and resolvable source maps, no build state', (name) => {
    const pack = packed.find((p) => p.name === `@nest-users/${name}`)!;
    const paths = pack.files.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts']));
    expect(paths.filter((path) => /tsbuildinfo|\.spec\.|(^|\/)src\//.test(path))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ license: 'MIT', sideEffects: false, engines: { node: expect.any(String) } });
    expect(manifest.private).toBeUndefined();
    expect(manifest.repository).toMatchObject({ directory: `packages/${name}` });
    for (const map of paths.filter((path) => path.endsWith('.js.map'))) {
      const content = JSON.parse(readFileSync(join(root, 'packages', name, map), 'utf8')) as {
        sources: string[];
        sourcesContent?: string[];
      };
      expect(content.sourcesContent?.length, map).toBe(content.sources.length);
    }
  });

  it("@nest-users/testing's main entry loads without vitest (the contract suites are on /contracts)", () => {
    expect(existsSync(join(esmApp(), 'node_modules/vitest'))).toBe(false);
    run(process.execPath, ['--input-type=module', '-e', "await import('@nest-users/testing')"], esmApp());
  });

  it('a stack from inside a package points at its TypeScript source', () => {
    const script = `
      import { canonicalEmail } from '@nest-users/core';
      try { canonicalEmail('not an email'); } catch (error) { process.stdout.write(error.stack); }`;
    const stack = run(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], esmApp());
    expect(stack).toMatch(/node_modules\/@nest-users\/core\/src\/email\/canonical-email\.ts:\d+:\d+/);
  });
});

describe('the README install line', () => {
  it('names every peer of the packages it installs (npm would add a missing one silently, a driver not at all)', () => {
    const app = JSON.parse(readFileSync(join(esmApp(), 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    const listed = new Set([...Object.keys(app.dependencies!), ...Object.keys(app.devDependencies ?? {})]);
    const ours = [...listed].filter((name) => name.startsWith('@nest-users/'));
    expect(ours.sort()).toEqual(PACKAGES.map((name) => `@nest-users/${name}`).sort());
    const missing = ours.flatMap((name) => {
      const manifest = JSON.parse(readFileSync(join(esmApp(), 'node_modules', name, 'package.json'), 'utf8')) as {
        peerDependencies?: Record<string, string>;
        peerDependenciesMeta?: Record<string, { optional?: boolean }>;
      };
      return Object.keys(manifest.peerDependencies ?? {})
        .filter((peer) => !manifest.peerDependenciesMeta?.[peer]?.optional && !listed.has(peer))
        .map((peer) => `${name} → ${peer}`);
    });
    expect(missing).toEqual([]);
  });
});

describe.each([
  ['an ESM app (nest new)', esmApp],
  ['a CommonJS app', cjsApp],
])('the README quick start in %s', (_, dir) => {
  let app: Started | undefined;
  afterAll(() => {
    app?.child.kill();
  });

  it('builds with tsc and skipLibCheck: false', async () => {
    expect(await builds.get(dir())).toBe('');
    const sources = readdirSync(join(dir(), 'src')).filter((file) => file.endsWith('.ts'));
    expect(sources).toContain('main.ts');
    for (const file of sources) expect(existsSync(join(dir(), 'dist', file.replace(/\.ts$/, '.js'))), file).toBe(true);
  }, 180_000);

  it('starts, and register → login → protected route work over HTTP, without a warning', async () => {
    app = await start(dir());
    await registerLoginAndReadNotes(app.base);
    expect(app.output()).toContain('Nest application successfully started');
    expect(app.errors()).toBe('');
  });
});

it("the README's test of an app runs with node --test on @nest-users/testing", () => {
  const output = run(process.execPath, ['--test', 'dist/notes.e2e-spec.js'], esmApp());
  expect(output).toMatch(/# pass 1\n/);
  expect(output).toMatch(/# fail 0\n/);
});
