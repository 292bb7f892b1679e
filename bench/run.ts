/**
 * `npm run bench`: builds (the npm script does), then starts the bench apps one after another on 127.0.0.1 and
 * measures them with autocannon, rounds interleaved so machine drift hits every scenario alike. Prints one table and
 * writes it, with the raw numbers, to bench/dist/last-run.{md,json}.
 *
 * env: BENCH_ROUNDS (3), BENCH_DURATION (5 s per measurement), BENCH_WARMUP (3 s), BENCH_CONNECTIONS (50),
 *      BENCH_MEMORY_REQUESTS (200000), BENCH_PROFILE (1; 0 skips the CPU profiles).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { hash as argon2Hash, verify as argon2Verify, type Options as Argon2Options } from '@node-rs/argon2';
import { JwtAuthentication } from '@nest-users/core';
import autocannon from 'autocannon';
import { formatMicro, microBenchmarks, type MicroRow } from './micro.js';
import { formatProfile, formatProfileComparison, summarizeProfile } from './profile.js';
import { BENCH_EMAIL, seedDatabase, type SeededUser } from './seed.js';

const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const ROUNDS = env('BENCH_ROUNDS', 3);
const DURATION = env('BENCH_DURATION', 5);
const WARMUP = env('BENCH_WARMUP', 3);
const CONNECTIONS = env('BENCH_CONNECTIONS', 50);
const MEMORY_REQUESTS = env('BENCH_MEMORY_REQUESTS', 200_000);
/** Requests before the RSS baseline, in chunks of MEMORY_WARMUP_CHUNK (V8 and malloc grow to their working size first). */
const MEMORY_WARMUP_REQUESTS = 50_000;
const MEMORY_WARMUP_CHUNK = 10_000;
const PROFILE = env('BENCH_PROFILE', 1) !== 0;
/** Background protected load during the login storm: a fixed, evenly paced rate, so the server has room and p99 shows stalls. */
const STORM_RATE = 400;
/** SQLite page cache of the reference 100 000-user session (SQLite's default is 2 MiB). */
const SQLITE_CACHE_MIB = 64;
/** ttlSeconds of the opt-in user cache in the sessions that turn it on. */
const USER_CACHE_TTL = 5;
const STORM_LOGIN_CONNECTIONS = 20;
const LOGIN_SECONDS = 3;
/** Queue length for the capped flood: below 200, so the excess must be refused (503), not queued. */
const FLOOD_QUEUE = 100;
const PROFILE_SECONDS = 6;

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = fileURLToPath(new URL('./', import.meta.url));
const PASSWORD = 'correct horse battery staple';
/** The library's defaults (OWASP's minimum), for the hashes we seed and the bare verification we compare with. */
const ARGON2: Argon2Options = {
  algorithm: 2 as unknown as Argon2Options['algorithm'],
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};
const LOGIN_BODY = `username=${encodeURIComponent(BENCH_EMAIL)}&password=${encodeURIComponent(PASSWORD)}`;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** How to cap concurrent password hashing in the module, if the library can (read from its built typings). */
interface HashCap {
  /** The option, for the report. */
  name: string;
  /** Module options that cap hashing at `concurrent` (and the queue at `queued` when the library has a queue). */
  options(concurrent: number, queued?: number): object;
  hasQueue: boolean;
}

function findHashCap(): HashCap | undefined {
  const read = (path: string) => (existsSync(join(REPO_ROOT, path)) ? readFileSync(join(REPO_ROOT, path), 'utf8') : '');
  const helper = read('packages/core/dist/manager/password.helper.d.ts');
  if (/\bmaxConcurrent\??:/.test(helper)) {
    const hasQueue = /\bmaxQueued\??:/.test(helper);
    return {
      name: hasQueue ? '`argon2.maxConcurrent` / `argon2.maxQueued`' : '`argon2.maxConcurrent`',
      options: (concurrent, queued) => ({
        argon2: { maxConcurrent: concurrent, ...(hasQueue && queued !== undefined ? { maxQueued: queued } : {}) },
      }),
      hasQueue,
    };
  }
  const typings = read('packages/core/dist/interfaces/users-auth-module-options.interface.d.ts');
  const name = /\bmaxConcurrentHashes\??:/.test(typings)
    ? 'maxConcurrentHashes'
    : /^\s*(\w*(?:[Cc]oncurren|[Hh]ashLimit|[Mm]axHash)\w*)\??:/m.exec(typings)?.[1];
  return name ? { name: `\`${name}\``, options: (concurrent) => ({ [name]: concurrent }), hasQueue: false } : undefined;
}

/** Read once: the packages are built before the runner starts. */
const HASH_CAP = findHashCap();
/** One hash at a time leaves the other core of a 2-core machine to the event loop. */
/**
 * The hashing concurrency of the comparison rows: libuv's whole pool (4), the library's default before it left one
 * core to the event loop (`min(4, cores - 1)` now), so the storm shows what that default buys.
 */
const CAPPED = 4;
const CAP_LABEL = HASH_CAP
  ? `${HASH_CAP.name.split(' / ')[0]!.replace(/`/g, '')}=${CAPPED}`
  : `UV_THREADPOOL_SIZE=${CAPPED} (no cap option yet)`;

const started = Date.now();
const log = (message: string) =>
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${message}\n`);

// ---------------------------------------------------------------------------------------------------------------
// child processes

interface App {
  name: string;
  pid: number;
  url: string;
  child: ChildProcess;
  waitForLine(prefix: string, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** Apps still running, stopped on the way out whatever happens. */
const live = new Set<App>();

async function startApp(
  name: string,
  script: 'ours' | 'recipe',
  appEnv: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<App> {
  const child = spawn(process.execPath, [...nodeArgs, join(DIST, 'apps', `${script}.js`)], {
    cwd: REPO_ROOT,
    // RATE_LIMIT=off: every load comes from one address, which the library's rate limits would refuse (429).
    env: { ...process.env, PORT: '0', NODE_ENV: 'production', RATE_LIMIT: 'off', ...appEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const lines: string[] = [];
  const waiters: Array<{ prefix: string; resolve: (line: string) => void }> = [];
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (line.startsWith(waiter.prefix)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const waitForLine = (prefix: string, timeoutMs = 30_000) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find((line) => line.startsWith(prefix));
      if (seen) return resolve(seen);
      const timer = setTimeout(() => reject(new Error(`${name}: no "${prefix}" after ${timeoutMs} ms\n${stderr}`)), timeoutMs);
      waiters.push({ prefix, resolve: (line) => (clearTimeout(timer), resolve(line)) });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code}) before "${prefix}"\n${stderr}`));
      });
    });

  let ready: string;
  try {
    ready = await waitForLine('READY ');
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const port = Number(ready.split(' ')[1]);
  const app: App = {
    name,
    pid: child.pid!,
    url: `http://127.0.0.1:${port}`,
    child,
    waitForLine,
    async stop() {
      live.delete(app);
      if (currentAppPid === app.pid) currentAppPid = undefined;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  live.add(app);
  currentAppPid = app.pid;
  return app;
}

/** The app being measured (one at a time), for the CPU accounting of `noise`. */
let currentAppPid: number | undefined;

function busyTicks(): { busy: number; total: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + (steal ?? 0);
  return { busy, total: busy + idle! + iowait! };
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime, every thread included
  } catch {
    return 0;
  }
}

/** Runs `measure`, and notes how many cores other processes used meanwhile. */
async function noise<T extends Measure>(measure: () => Promise<T>): Promise<T> {
  const pid = currentAppPid;
  const before = { machine: busyTicks(), ours: processTicks(process.pid) + (pid ? processTicks(pid) : 0) };
  const result = await measure();
  const machine = busyTicks();
  const ours = processTicks(process.pid) + (pid ? processTicks(pid) : 0);
  const cores = availableParallelism();
  const elapsed = (machine.total - before.machine.total) / cores;
  if (elapsed > 0) result.foreign = Math.max(0, (machine.busy - before.machine.busy - (ours - before.ours)) / elapsed);
  return result;
}

/** Resident and peak resident memory of a process, in MiB (Linux /proc). */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
}

// ---------------------------------------------------------------------------------------------------------------
// load

interface Measure {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  duration: number;
  /** CPU used meanwhile by processes other than the runner and the app, in cores (the machine is shared). */
  foreign?: number;
}

/**
 * One autocannon run. Latencies are taken from its `response` events (sub-millisecond; its histogram keeps whole
 * milliseconds), 2xx only.
 */
function load(options: autocannon.Options): Promise<Measure> {
  return noise(() => loadOnce(options));
}

function loadOnce(options: autocannon.Options): Promise<Measure> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const instance = autocannon({ connections: CONNECTIONS, ...options }, (error, result) => {
      if (error) return reject(error);
      latencies.sort((a, b) => a - b);
      const statusCodes: Record<string, number> = {};
      for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stats?.count ?? 0;
      resolve({
        rps: result['2xx'] / result.duration,
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        ok: result['2xx'],
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        statusCodes,
        duration: result.duration,
      });
    });
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

function percentile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function median(values: number[]): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!finite.length) return NaN;
  const middle = finite.length >> 1;
  return finite.length % 2 ? finite[middle]! : (finite[middle - 1]! + finite[middle]!) / 2;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * One request per token (users spread over the table), cycled by every connection. Static requests: autocannon builds
 * their buffers once, so the client costs the same as with a single token (a `setupRequest` would not).
 */
function spreadRequests(path: string, tokens: string[]): autocannon.Request[] {
  return tokens.map((token) => ({ method: 'GET', path, headers: bearer(token) }));
}

async function login(baseUrl: string, backend = 'jwt'): Promise<string> {
  const response = await fetch(`${baseUrl}/auth/${backend}/login`, { method: 'POST', headers: FORM, body: LOGIN_BODY });
  if (response.status !== 200) throw new Error(`login on ${baseUrl} (${backend}): ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** `/public-read` must really read the row (an empty answer would make the ceiling meaningless). */
async function expectUserRow(baseUrl: string, id: string): Promise<void> {
  const row = (await (await fetch(`${baseUrl}/public-read`)).json()) as { id?: string; hashedPassword?: string };
  if (row.id !== id || 'hashedPassword' in row) throw new Error(`GET ${baseUrl}/public-read: ${JSON.stringify(row)}`);
}

async function expectStatus(url: string, headers: Record<string, string>, status: number): Promise<void> {
  const response = await fetch(url, { headers });
  if (response.status !== status) throw new Error(`GET ${url}: ${response.status}, expected ${status}: ${await response.text()}`);
}

/** Sequential argon2id verifications in this process, same parameters as the library's default. */
function bareArgon2(hashed: string, seconds: number): Promise<Measure> {
  return noise(() => bareArgon2Once(hashed, seconds));
}

async function bareArgon2Once(hashed: string, seconds: number): Promise<Measure> {
  const times: number[] = [];
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const start = performance.now();
    if (!(await argon2Verify(hashed, PASSWORD))) throw new Error('argon2 verify failed');
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return {
    rps: times.length / seconds,
    p50: percentile(times, 0.5),
    p99: percentile(times, 0.99),
    ok: times.length,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    statusCodes: {},
    duration: seconds,
  };
}

/**
 * Open-loop load at a fixed rate: request i is sent at start + i/rate whatever the earlier ones are doing (keep-alive
 * sockets, up to 64 in flight), so a stalled event loop shows up as latency instead of slowing the client down.
 * Latency is measured from the actual send (timers pace to about a millisecond).
 */
function pacedLoad(url: string, headers: Record<string, string>, rate: number, seconds: number): Promise<Measure> {
  return noise(() => pacedLoadOnce(url, headers, rate, seconds));
}

async function pacedLoadOnce(url: string, headers: Record<string, string>, rate: number, seconds: number): Promise<Measure> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  const total = Math.round(rate * seconds);
  const start = performance.now() + 50;
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const sent = performance.now();
    inFlight.push(
      new Promise<void>((resolve) => {
        const request = http.get(url, { agent, headers }, (response) => {
          response.resume();
          response.on('end', () => {
            const code = String(response.statusCode);
            statusCodes[code] = (statusCodes[code] ?? 0) + 1;
            if (response.statusCode === 200) latencies.push(performance.now() - sent);
            resolve();
          });
        });
        request.on('error', () => {
          errors++;
          resolve();
        });
      }),
    );
  }
  await Promise.all(inFlight);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const ok = statusCodes['200'] ?? 0;
  return {
    rps: ok / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    ok,
    non2xx: total - ok - errors,
    errors,
    timeouts: 0,
    statusCodes,
    duration: seconds,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// scenarios

type Row =
  | 'express-public'
  | 'express-guarded'
  | 'express-read'
  | 'express-protected'
  | 'express-protected-wal'
  | 'fastify-public'
  | 'fastify-guarded'
  | 'fastify-read'
  | 'fastify-protected'
  | 'express-cached-public'
  | 'express-cached-protected'
  | 'fastify-cached-public'
  | 'fastify-cached-protected'
  | 'recipe-public'
  | 'recipe-protected'
  | 'users-1k'
  | 'users-100k'
  | 'users-100k-cache'
  | 'backend-1'
  | 'backend-3'
  | 'login'
  | 'argon2'
  | 'rate-quiet'
  | 'rate-storm'
  | 'storm-logins'
  | 'rate-storm-capped'
  | 'storm-logins-capped';

const ROW_LABELS: Record<Row, string> = {
  'express-public': 'Express · ours · public',
  'express-guarded': 'Express · ours · public route behind a no-op async guard (the ceiling for any guard)',
  'express-read':
    'Express · ours · public route that reads the user row (bare better-sqlite3, no auth): the ceiling for any design that loads the user',
  'express-protected': 'Express · ours · protected',
  'express-protected-wal': 'Express · ours · protected, SQLite in WAL mode (app setting `enableWAL: true`)',
  'fastify-public': 'Fastify · ours · public',
  'fastify-guarded': 'Fastify · ours · public route behind a no-op async guard (the ceiling for any guard)',
  'fastify-read':
    'Fastify · ours · public route that reads the user row (bare better-sqlite3, no auth): the ceiling for any design that loads the user',
  'fastify-protected': 'Fastify · ours · protected',
  'express-cached-public': `Express · ours, userCache ${USER_CACHE_TTL} s (opt-in) · public`,
  'express-cached-protected': `Express · ours, userCache ${USER_CACHE_TTL} s (opt-in) · protected`,
  'fastify-cached-public': `Fastify · ours, userCache ${USER_CACHE_TTL} s (opt-in) · public`,
  'fastify-cached-protected': `Fastify · ours, userCache ${USER_CACHE_TTL} s (opt-in) · protected`,
  'recipe-public': 'Express · recipe · public',
  'recipe-protected': 'Express · recipe · protected',
  'users-1k': 'Express · ours · protected, 1 000 users (tokens of 1 000 users)',
  'users-100k': 'Express · ours · protected, 100 000 users (tokens of 1 000 users)',
  'users-100k-cache': `Express · ours · protected, 100 000 users, SQLite page cache ${SQLITE_CACHE_MIB} MiB (app setting \`cache_size\`; default 2 MiB)`,
  'backend-1': 'Express · ours, 3 backends · token of the 1st',
  'backend-3': 'Express · ours, 3 backends · token of the 3rd',
  login: 'Express · ours · login (1 connection, sequential)',
  argon2: 'bare argon2id verify, in-process (sequential)',
  'rate-quiet': `Express · ours · protected at ${STORM_RATE} req/s, quiet`,
  'rate-storm': `Express · ours · protected at ${STORM_RATE} req/s, during the login storm`,
  'storm-logins': `Express · ours · the login storm itself (${STORM_LOGIN_CONNECTIONS} connections)`,
  'rate-storm-capped': `Express · ours, ${CAP_LABEL} · protected at ${STORM_RATE} req/s, during the login storm`,
  'storm-logins-capped': `Express · ours, ${CAP_LABEL} · the login storm itself`,
};

type Results = Partial<Record<Row, Measure[]>>;
const results: Results = {};
const record = (row: Row, measure: Measure): void => void (results[row] ??= []).push(measure);

interface Context {
  secrets: string[];
  recipeSecret: string;
  db1k: string;
  /** The user whose password the bench knows, in db1k (its row is what `/public-read` reads). */
  benchUserId: string;
  /** A copy of db1k for the WAL session (WAL mode sticks to the file). */
  db1kWal: string;
  db100k: string;
  hashed: string;
  sample1k: SeededUser[];
  sample100k: SeededUser[];
  spread1k: string[];
  spread100k: string[];
}

interface Session {
  name: string;
  run(context: Context, round: number): Promise<void>;
}

const oursEnv = (context: Context, db: string, platform: 'express' | 'fastify', backends = 1, extra?: object) => ({
  PLATFORM: platform,
  DB_FILE: db,
  JWT_SECRETS: context.secrets.slice(0, backends).join(','),
  BENCH_USER_ID: context.benchUserId,
  ...(extra ? { EXTRA_OPTIONS: JSON.stringify(extra) } : {}),
});

/**
 * Warm-up over every path the session measures, then each step twice for half the duration, in order and then in
 * reverse (A B C C B A), and each step's two halves recorded as one measurement. Throughput drifts within a session
 * (an earlier step was measured faster than the same step later), so with a single pass the step measured first was
 * favoured; the mirrored pass gives every step the same mean position, and a ratio of two steps of one session no
 * longer depends on their order.
 */
async function measureSteps(app: App, steps: Array<[Row, autocannon.Request[]]>): Promise<void> {
  await load({ url: app.url, duration: WARMUP, requests: steps.map(([, requests]) => requests[0]!) });
  const halves = new Map<Row, Measure>();
  const duration = steps.length > 1 ? DURATION / 2 : DURATION;
  const passes = steps.length > 1 ? [steps, [...steps].reverse()] : [steps];
  for (const pass of passes) {
    for (const [row, requests] of pass) {
      const measure = await load({ url: app.url, duration, requests });
      const first = halves.get(row);
      halves.set(row, first ? combine(first, measure) : measure);
    }
  }
  for (const [row] of steps) {
    const measure = halves.get(row)!;
    if (measure.non2xx || measure.errors) log(`  ${row}: ${measure.non2xx} non-2xx, ${measure.errors} errors`);
    record(row, measure);
    log(
      `  ${ROW_LABELS[row]}: ${measure.rps.toFixed(0)} req/s, p50 ${measure.p50.toFixed(2)} ms, p99 ${measure.p99.toFixed(2)} ms` +
        ` (other processes: ${fmt(measure.foreign ?? NaN)} cores)`,
    );
  }
}

/** Two measurements of one step as one: counts added, rates over the whole time, latency percentiles averaged. */
function combine(a: Measure, b: Measure): Measure {
  const duration = a.duration + b.duration;
  const statusCodes = { ...a.statusCodes };
  for (const [code, count] of Object.entries(b.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  return {
    rps: (a.ok + b.ok) / duration,
    p50: (a.p50 + b.p50) / 2,
    p99: (a.p99 + b.p99) / 2,
    ok: a.ok + b.ok,
    non2xx: a.non2xx + b.non2xx,
    errors: a.errors + b.errors,
    timeouts: a.timeouts + b.timeouts,
    statusCodes,
    duration,
    foreign: ((a.foreign ?? NaN) * a.duration + (b.foreign ?? NaN) * b.duration) / duration,
  };
}

const get = (path: string, headers: Record<string, string> = {}): autocannon.Request[] => [{ method: 'GET', path, headers }];

/** Logins in a loop on 20 connections, and meanwhile the protected route at a fixed rate. */
async function loginStorm(app: App, token: string): Promise<{ rated: Measure; logins: Measure }> {
  const logins = load({
    url: `${app.url}/auth/jwt/login`,
    duration: DURATION + 2,
    connections: STORM_LOGIN_CONNECTIONS,
    method: 'POST',
    headers: FORM,
    body: LOGIN_BODY,
  });
  await sleep(1000);
  const rated = await pacedLoad(`${app.url}/protected`, bearer(token), STORM_RATE, DURATION);
  return { rated, logins: await logins };
}

const sessions: Session[] = [
  {
    name: 'ours, Express, 1 000 users',
    async run(context, round) {
      const app = await startApp(this.name, 'ours', oursEnv(context, context.db1k, 'express'));
      try {
        const token = await login(app.url);
        await expectStatus(`${app.url}/protected`, bearer(token), 200);
        await expectStatus(`${app.url}/protected`, {}, 401);
        await expectUserRow(app.url, context.benchUserId);
        await measureSteps(app, [
          ['express-public', get('/public')],
          ['express-guarded', get('/guarded', bearer(token))],
          ['express-read', get('/public-read', bearer(token))],
          ['express-protected', get('/protected', bearer(token))],
          ['users-1k', spreadRequests('/protected', context.spread1k)],
        ]);
        // login p50 against a bare argon2 verification, side by side
        const loginRun = () =>
          load({
            url: `${app.url}/auth/jwt/login`,
            connections: 1,
            duration: LOGIN_SECONDS,
            method: 'POST',
            headers: FORM,
            body: LOGIN_BODY,
          });
        const pair: Array<() => Promise<void>> = [
          async () => record('login', await loginRun()),
          async () => record('argon2', await bareArgon2(context.hashed, LOGIN_SECONDS)),
        ];
        for (const step of round % 2 ? pair.reverse() : pair) await step();
        const last = (row: Row) => results[row]!.at(-1)!;
        log(`  login p50 ${last('login').p50.toFixed(2)} ms, bare argon2 p50 ${last('argon2').p50.toFixed(2)} ms`);
        // protected at a fixed rate, quiet and during a login storm
        const quiet = async () =>
          record('rate-quiet', await pacedLoad(`${app.url}/protected`, bearer(token), STORM_RATE, DURATION));
        const storm = async () => {
          const { rated, logins } = await loginStorm(app, token);
          record('rate-storm', rated);
          record('storm-logins', logins);
        };
        for (const step of round % 2 ? [storm, quiet] : [quiet, storm]) await step();
        log(
          `  protected p99 at ${STORM_RATE} req/s: quiet ${results['rate-quiet']!.at(-1)!.p99.toFixed(2)} ms, ` +
            `storm ${results['rate-storm']!.at(-1)!.p99.toFixed(2)} ms (${results['storm-logins']!.at(-1)!.rps.toFixed(0)} logins/s)`,
        );
      } finally {
        await app.stop();
      }
    },
  },
  {
    name: 'ours, Fastify, 1 000 users',
    async run(context) {
      const app = await startApp(this.name, 'ours', oursEnv(context, context.db1k, 'fastify'));
      try {
        const token = await login(app.url);
        await expectStatus(`${app.url}/protected`, bearer(token), 200);
        await expectUserRow(app.url, context.benchUserId);
        await measureSteps(app, [
          ['fastify-public', get('/public')],
          ['fastify-guarded', get('/guarded', bearer(token))],
          ['fastify-read', get('/public-read', bearer(token))],
          ['fastify-protected', get('/protected', bearer(token))],
        ]);
      } finally {
        await app.stop();
      }
    },
  },
  ...(['express', 'fastify'] as const).map((platform): Session => ({
    name: `ours, ${platform === 'express' ? 'Express' : 'Fastify'}, 1 000 users, userCache on`,
    async run(context) {
      const extra = { userCache: { ttlSeconds: USER_CACHE_TTL } };
      const app = await startApp(this.name, 'ours', oursEnv(context, context.db1k, platform, 1, extra));
      try {
        const token = await login(app.url);
        await expectStatus(`${app.url}/protected`, bearer(token), 200);
        await measureSteps(app, [
          [`${platform}-cached-public`, get('/public')],
          [`${platform}-cached-protected`, get('/protected', bearer(token))],
        ]);
      } finally {
        await app.stop();
      }
    },
  })),
  {
    name: 'recipe (passport-jwt, string secret), Express',
    async run(context) {
      const app = await startApp(this.name, 'recipe', { JWT_SECRET: context.recipeSecret });
      try {
        const response = await fetch(`${app.url}/auth/login`, { method: 'POST' });
        const token = ((await response.json()) as { access_token: string }).access_token;
        await expectStatus(`${app.url}/protected`, bearer(token), 200);
        await expectStatus(`${app.url}/protected`, {}, 401);
        await measureSteps(app, [
          ['recipe-public', get('/public')],
          ['recipe-protected', get('/protected', bearer(token))],
        ]);
      } finally {
        await app.stop();
      }
    },
  },
  {
    name: 'ours, Express, 100 000 users',
    async run(context) {
      const app = await startApp(this.name, 'ours', oursEnv(context, context.db100k, 'express'));
      try {
        await expectStatus(`${app.url}/protected`, bearer(context.spread100k[0]!), 200);
        await measureSteps(app, [['users-100k', spreadRequests('/protected', context.spread100k)]]);
      } finally {
        await app.stop();
      }
    },
  },
  {
    name: `ours, Express, 100 000 users, SQLite page cache ${SQLITE_CACHE_MIB} MiB`,
    async run(context) {
      const env = { ...oursEnv(context, context.db100k, 'express'), SQLITE_CACHE_KIB: String(SQLITE_CACHE_MIB * 1024) };
      const app = await startApp(this.name, 'ours', env);
      try {
        await expectStatus(`${app.url}/protected`, bearer(context.spread100k[0]!), 200);
        await measureSteps(app, [['users-100k-cache', spreadRequests('/protected', context.spread100k)]]);
      } finally {
        await app.stop();
      }
    },
  },
  {
    name: 'ours, Express, 3 backends',
    async run(context) {
      const app = await startApp(this.name, 'ours', oursEnv(context, context.db1k, 'express', 3));
      try {
        const first = await login(app.url, 'jwt');
        const third = await login(app.url, 'jwt3');
        await expectStatus(`${app.url}/protected`, bearer(third), 200);
        await measureSteps(app, [
          ['backend-1', get('/protected', bearer(first))],
          ['backend-3', get('/protected', bearer(third))],
        ]);
      } finally {
        await app.stop();
      }
    },
  },
  {
    name: 'ours, Express, 1 000 users, SQLite WAL',
    async run(context) {
      const app = await startApp(this.name, 'ours', { ...oursEnv(context, context.db1kWal, 'express'), SQLITE_WAL: '1' });
      try {
        const token = await login(app.url);
        await expectStatus(`${app.url}/protected`, bearer(token), 200);
        await measureSteps(app, [['express-protected-wal', get('/protected', bearer(token))]]);
      } finally {
        await app.stop();
      }
    },
  },
  {
    name: `ours, Express, ${CAP_LABEL}`,
    async run(context) {
      // With the library's cap when it has one; otherwise the libuv pool size bounds argon2 work the same way.
      const appEnv = HASH_CAP
        ? oursEnv(context, context.db1k, 'express', 1, HASH_CAP.options(CAPPED))
        : { ...oursEnv(context, context.db1k, 'express'), UV_THREADPOOL_SIZE: String(CAPPED) };
      const app = await startApp(this.name, 'ours', appEnv);
      try {
        const token = await login(app.url);
        await load({ url: app.url, duration: WARMUP, requests: get('/protected', bearer(token)) });
        const { rated, logins } = await loginStorm(app, token);
        record('rate-storm-capped', rated);
        record('storm-logins-capped', logins);
        log(`  ${CAP_LABEL}: protected p99 during the storm ${rated.p99.toFixed(2)} ms (${logins.rps.toFixed(0)} logins/s)`);
      } finally {
        await app.stop();
      }
    },
  },
];

// ---------------------------------------------------------------------------------------------------------------
// memory

interface MemoryResult {
  /** Median RSS sampled every 100 ms during the second half of one more quarter-sized chunk after warm-up (MiB). */
  warmRss: number;
  /** The same median for every warm-up chunk, in order (MiB): shows when RSS stops growing. */
  warmup: number[];
  /** Median RSS sampled every 100 ms during the second half of each quarter of the requests, and right after it. */
  checkpoints: Array<{ requests: number; rss: number; after: number }>;
  changePercent: number;
  /** V8 heap in use after a full GC, after warm-up and at the end (MiB): a leak shows here whatever RSS does. */
  heapAfterGc: { warm: number; end: number };
  rps: number;
  non2xx: number;
}

/** Samples a process's RSS every 100 ms until stopped; returns the samples of the second half of the period. */
function sampleRss(pid: number): () => number[] {
  const samples: number[] = [];
  const timer = setInterval(() => samples.push(memoryOf(pid).rss), 100);
  return () => {
    clearInterval(timer);
    return samples.slice(samples.length >> 1);
  };
}

/**
 * RSS under load after a warm-up of WARMUP_REQUESTS requests vs under load at the end of MEMORY_REQUESTS more. RSS
 * read at one instant swings by tens of MiB with the GC cycle, so each figure is the median of samples taken while
 * the load runs; the instant readings between quarters are reported too.
 */
async function memoryRun(context: Context): Promise<MemoryResult> {
  const app = await startApp('memory', 'ours', oursEnv(context, context.db1k, 'express'), ['--expose-gc']);
  const heapAfterGc = async (n: number) => {
    const line = app.waitForLine(`MEMORY ${n} `);
    app.child.kill('SIGHUP');
    return (JSON.parse((await line).slice(`MEMORY ${n} `.length)) as NodeJS.MemoryUsage).heapUsed / 2 ** 20;
  };
  try {
    const token = await login(app.url);
    const requests = get('/protected', bearer(token));
    await load({ url: app.url, duration: WARMUP, requests });
    // The forced GC comes before the baseline is sampled, so it can only make the RSS change look worse.
    const warmHeap = await heapAfterGc(1);
    const warmup: number[] = [];
    for (let sent = 0; sent < MEMORY_WARMUP_REQUESTS; sent += MEMORY_WARMUP_CHUNK) {
      const stopWarmup = sampleRss(app.pid);
      await load({ url: app.url, amount: MEMORY_WARMUP_CHUNK, requests });
      warmup.push(median(stopWarmup()));
    }
    log(`  memory: RSS during warm-up ${warmup.map((rss) => rss.toFixed(1)).join(' → ')} MiB`);
    // The baseline is measured exactly like each checkpoint below (same window, same sampling): a 10 000-request
    // chunk holds ~11 samples and swings by ±10 % with the GC cycle, a quarter of the run does not.
    const chunk = Math.ceil(MEMORY_REQUESTS / 4);
    let stop = sampleRss(app.pid);
    await load({ url: app.url, amount: chunk, requests });
    const warmRss = median(stop());
    log(`  memory: baseline RSS ${warmRss.toFixed(1)} MiB over ${chunk} more requests`);
    const checkpoints: MemoryResult['checkpoints'] = [];
    let done = 0;
    let ok = 0;
    let non2xx = 0;
    let seconds = 0;
    while (done < MEMORY_REQUESTS) {
      const amount = Math.min(chunk, MEMORY_REQUESTS - done);
      stop = sampleRss(app.pid);
      const measure = await load({ url: app.url, amount, requests });
      const rss = median(stop());
      done += amount;
      ok += measure.ok;
      non2xx += measure.non2xx;
      seconds += measure.duration;
      checkpoints.push({ requests: done, rss, after: memoryOf(app.pid).rss });
      log(
        `  memory: ${done} requests, RSS ${rss.toFixed(1)} MiB under load, ${checkpoints.at(-1)!.after.toFixed(1)} MiB right after`,
      );
    }
    const last = checkpoints.at(-1)!.rss;
    const endHeap = await heapAfterGc(2);
    log(`  memory: heap after a full GC ${warmHeap.toFixed(1)} MiB after warm-up, ${endHeap.toFixed(1)} MiB at the end`);
    return {
      warmRss,
      warmup,
      checkpoints,
      changePercent: (100 * (last - warmRss)) / warmRss,
      heapAfterGc: { warm: warmHeap, end: endHeap },
      rps: ok / seconds,
      non2xx,
    };
  } finally {
    await app.stop();
  }
}

interface LoginFloodResult {
  label: string;
  baseRss: number;
  peakRss: number;
  hwm: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  seconds: number;
  p50: number;
  p99: number;
}

/** 200 logins at once on a fresh app: peak RSS (sampled every 10 ms, and the kernel's VmHWM) and status codes. */
async function loginFlood(context: Context, label: string, extra?: object): Promise<LoginFloodResult> {
  const app = await startApp('login flood', 'ours', oursEnv(context, context.db1k, 'express', 1, extra));
  try {
    for (let i = 0; i < 5; i++) await login(app.url);
    await sleep(500);
    const baseRss = memoryOf(app.pid).rss;
    let peakRss = baseRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, memoryOf(app.pid).rss)), 10);
    const measure = await load({
      url: `${app.url}/auth/jwt/login`,
      connections: 200,
      amount: 200,
      timeout: 60,
      method: 'POST',
      headers: FORM,
      body: LOGIN_BODY,
    });
    clearInterval(sampler);
    const { rss, hwm } = memoryOf(app.pid);
    return {
      label,
      baseRss,
      peakRss: Math.max(peakRss, rss),
      hwm,
      statusCodes: measure.statusCodes,
      errors: measure.errors,
      timeouts: measure.timeouts,
      seconds: measure.duration,
      p50: measure.p50,
      p99: measure.p99,
    };
  } finally {
    await app.stop();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// CPU profile

interface ProfileWindow {
  file: string;
  requests: number;
  foreign: number;
}

/**
 * CPU profiles of one app, one window per load: the public route, the protected one, and on Express sequential logins
 * (one connection, as in the login/argon2 comparison), each after a warm-up.
 */
async function profileRun(context: Context, platform: 'express' | 'fastify', prefix: string) {
  const app = await startApp(`profile ${platform}`, 'ours', { ...oursEnv(context, context.db1k, platform), CPU_PROFILE: prefix });
  try {
    const token = await login(app.url);
    const loginLoad: autocannon.Options = {
      url: `${app.url}/auth/jwt/login`,
      connections: 1,
      method: 'POST',
      headers: FORM,
      body: LOGIN_BODY,
    };
    const windows: Array<[string, autocannon.Options]> = [
      ['public', { url: app.url, requests: get('/public') }],
      ['protected', { url: app.url, requests: get('/protected', bearer(token)) }],
      ...(platform === 'express' ? [['login', loginLoad] as [string, autocannon.Options]] : []),
    ];
    await load({ url: app.url, duration: WARMUP, requests: [...get('/public'), ...get('/protected', bearer(token))] });
    if (platform === 'express') await load({ ...loginLoad, duration: LOGIN_SECONDS });
    const profiles: Record<string, ProfileWindow> = {};
    for (const [name, options] of windows) {
      const n = Object.keys(profiles).length + 1;
      let started = app.waitForLine(`PROFILING ${n}`);
      app.child.kill('SIGUSR2');
      await started;
      const measure = await load({ ...options, duration: PROFILE_SECONDS });
      started = app.waitForLine(`PROFILED ${prefix}-${n}`, 60_000);
      app.child.kill('SIGUSR2');
      profiles[name] = { file: (await started).slice('PROFILED '.length), requests: measure.ok, foreign: measure.foreign ?? NaN };
      log(
        `  ${platform} ${name}: ${measure.rps.toFixed(0)} req/s under the profiler (other processes: ${fmt(measure.foreign ?? NaN)} cores)`,
      );
    }
    return profiles as { public: ProfileWindow; protected: ProfileWindow; login?: ProfileWindow };
  } finally {
    await app.stop();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// report

const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

interface RatioRow {
  label: string;
  values: number[];
  goal?: { text: string; pass: (value: number) => boolean };
  digits?: number;
  unit?: string;
}

function perRound(a: Row, b: Row, f: (x: Measure, y: Measure) => number): number[] {
  const xs = results[a] ?? [];
  const ys = results[b] ?? [];
  return xs.slice(0, Math.min(xs.length, ys.length)).map((x, i) => f(x, ys[i]!));
}

/** Throughput of `a` over `b`, round by round. */
const rpsRatio = (a: Row, b: Row): number[] => perRound(a, b, (x, y) => x.rps / y.rps);

function report(
  meta: Record<string, string>,
  memory: MemoryResult | undefined,
  floods: LoginFloodResult[],
  micro: MicroRow[],
  profiles: string[],
) {
  const out: string[] = [];
  out.push('| scenario | req/s | p50 ms | p99 ms | non-2xx | other processes (cores) |', '|---|---:|---:|---:|---:|---:|');
  for (const row of Object.keys(ROW_LABELS) as Row[]) {
    const runs = results[row];
    if (!runs?.length) continue;
    const unit = row === 'argon2' ? ' (verifies/s)' : row.startsWith('storm-logins') || row === 'login' ? ' (logins/s)' : '';
    out.push(
      `| ${ROW_LABELS[row]}${unit} | ${fmt(median(runs.map((m) => m.rps)), 0)} | ${fmt(median(runs.map((m) => m.p50)))} | ` +
        `${fmt(median(runs.map((m) => m.p99)))} | ${runs.reduce((n, m) => n + m.non2xx + m.errors, 0)} | ` +
        `${runs.map((m) => fmt(m.foreign ?? NaN, 1)).join(', ')} |`,
    );
  }
  out.push(
    '',
    `Medians of ${ROUNDS} interleaved rounds (${DURATION} s each, ${CONNECTIONS} connections unless stated). ` +
      '"Other processes": CPU that processes other than the runner and the app used during each round, out of ' +
      `${availableParallelism()} cores (from /proc): the machine is shared, and rounds with a high value are noisy.`,
    '',
  );

  const ratios: RatioRow[] = [
    {
      label: 'protected / public, Express (req/s)',
      values: rpsRatio('express-protected', 'express-public'),
      goal: { text: '≥ 0.85', pass: (v) => v >= 0.85 },
    },
    {
      label: 'protected / public, Fastify (req/s)',
      values: rpsRatio('fastify-protected', 'fastify-public'),
      goal: { text: '≥ 0.85', pass: (v) => v >= 0.85 },
    },
    {
      label: 'no-op async guard / public, Express (req/s): the ceiling for protected / public',
      values: rpsRatio('express-guarded', 'express-public'),
    },
    {
      label: 'no-op async guard / public, Fastify (req/s): the ceiling for protected / public',
      values: rpsRatio('fastify-guarded', 'fastify-public'),
    },
    {
      label:
        'public route reading the user row / public, Express (req/s): the ceiling when the user is read from SQLite per request',
      values: rpsRatio('express-read', 'express-public'),
    },
    {
      label:
        'public route reading the user row / public, Fastify (req/s): the ceiling when the user is read from SQLite per request',
      values: rpsRatio('fastify-read', 'fastify-public'),
    },
    {
      label: 'protected / public route reading the user row, Express (req/s): what authentication adds beyond the read',
      values: rpsRatio('express-protected', 'express-read'),
    },
    {
      label: 'protected / public route reading the user row, Fastify (req/s): what authentication adds beyond the read',
      values: rpsRatio('fastify-protected', 'fastify-read'),
    },
    {
      label: `protected / public with the opt-in userCache (${USER_CACHE_TTL} s), Express (req/s): no database read while cached`,
      values: rpsRatio('express-cached-protected', 'express-cached-public'),
    },
    {
      label: `protected / public with the opt-in userCache (${USER_CACHE_TTL} s), Fastify (req/s): no database read while cached`,
      values: rpsRatio('fastify-cached-protected', 'fastify-cached-public'),
    },
    {
      label: 'protected with SQLite WAL / public, Express (req/s; WAL is an app setting), for reference',
      values: rpsRatio('express-protected-wal', 'express-public'),
    },
    {
      label: 'ours protected / recipe protected, Express (req/s)',
      values: rpsRatio('express-protected', 'recipe-protected'),
      goal: { text: '≥ 2.5', pass: (v) => v >= 2.5 },
    },
    {
      label: 'recipe protected / recipe public (req/s), for reference',
      values: rpsRatio('recipe-protected', 'recipe-public'),
    },
    {
      label: 'login p50 / bare argon2id verify p50',
      values: perRound('login', 'argon2', (x, y) => x.p50 / y.p50),
      goal: { text: '≤ 1.15', pass: (v) => v <= 1.15 },
    },
    {
      label: `protected p99 during the login storm (ms, at ${STORM_RATE} req/s)`,
      values: (results['rate-storm'] ?? []).map((m) => m.p99),
      goal: { text: '< 50 ms', pass: (v) => v < 50 },
      unit: ' ms',
    },
    {
      label: `protected p99 during the login storm with ${CAP_LABEL} (ms), for reference`,
      values: (results['rate-storm-capped'] ?? []).map((m) => m.p99),
      unit: ' ms',
    },
    {
      label: 'slowdown 100 000 vs 1 000 users (1k req/s ÷ 100k req/s)',
      values: rpsRatio('users-1k', 'users-100k'),
      goal: { text: '≤ 1.10', pass: (v) => v <= 1.1 },
    },
    {
      label: `slowdown 100 000 vs 1 000 users with a ${SQLITE_CACHE_MIB} MiB SQLite page cache (app setting), for reference`,
      values: rpsRatio('users-1k', 'users-100k-cache'),
    },
    {
      label: 'token of the 3rd backend / of the 1st (req/s)',
      values: rpsRatio('backend-3', 'backend-1'),
    },
  ];
  if (memory) {
    ratios.push({
      label: `RSS at the end of ${MEMORY_REQUESTS} protected requests vs after warm-up (% change, medians under load)`,
      values: [memory.changePercent],
      goal: { text: '≤ +10 %', pass: (v) => v <= 10 },
      digits: 1,
      unit: ' %',
    });
  }
  out.push('| ratio | median | rounds | goal | verdict |', '|---|---:|---|---|---|');
  for (const ratio of ratios) {
    const value = median(ratio.values);
    const digits = ratio.digits ?? 2;
    const verdict = ratio.goal ? (Number.isFinite(value) ? (ratio.goal.pass(value) ? 'PASS' : 'FAIL') : 'n/a') : '';
    out.push(
      `| ${ratio.label} | ${fmt(value, digits)}${ratio.unit ?? ''} | ${ratio.values.map((v) => fmt(v, digits)).join(', ')} | ` +
        `${ratio.goal?.text ?? ''} | ${verdict} |`,
    );
  }

  if (memory) {
    out.push(
      '',
      `Memory (Express, protected route, ${CONNECTIONS} connections, ${fmt(memory.rps, 0)} req/s, ${memory.non2xx} non-2xx; ` +
        'RSS as the median of 100 ms samples under load, instant reading after each quarter in brackets): ' +
        `warm-up of ${MEMORY_WARMUP_REQUESTS} requests, RSS per ${MEMORY_WARMUP_CHUNK}: ` +
        `${memory.warmup.map((rss) => fmt(rss, 1)).join(' → ')} MiB; baseline over ${Math.ceil(MEMORY_REQUESTS / 4)} more ` +
        `requests ${fmt(memory.warmRss, 1)} MiB → ` +
        memory.checkpoints.map((c) => `${fmt(c.rss, 1)} MiB (${fmt(c.after, 1)}) at ${c.requests}`).join(' → ') +
        ` (${memory.changePercent >= 0 ? '+' : ''}${fmt(memory.changePercent, 1)} %). V8 heap in use after a full GC: ` +
        `${fmt(memory.heapAfterGc.warm, 1)} MiB after warm-up, ${fmt(memory.heapAfterGc.end, 1)} MiB at the end ` +
        '(the app runs with --expose-gc for this; the first GC precedes the baseline RSS reading).',
    );
  }
  for (const flood of floods) {
    const codes = Object.entries(flood.statusCodes)
      .map(([code, count]) => `${count}× ${code}`)
      .join(', ');
    out.push(
      '',
      `200 concurrent logins (${flood.label}): RSS ${fmt(flood.baseRss, 1)} MiB before, peak ${fmt(flood.peakRss, 1)} MiB ` +
        `(VmHWM ${fmt(flood.hwm, 1)} MiB); ${codes || 'no answers'}; ${flood.errors} errors, ${flood.timeouts} timeouts; ` +
        `${fmt(flood.seconds, 1)} s in all, login p50 ${fmt(flood.p50, 0)} ms, p99 ${fmt(flood.p99, 0)} ms.`,
    );
  }
  out.push(
    '',
    HASH_CAP
      ? `Hashing cap: the module has ${HASH_CAP.name}; the floods ran with its defaults and with ` +
          `\`${JSON.stringify(HASH_CAP.options(CAPPED, FLOOD_QUEUE))}\`; the comparison storm row uses \`${JSON.stringify(HASH_CAP.options(CAPPED))}\`.`
      : 'Hashing cap: the module has no concurrent-hash option yet (`maxConcurrentHashes` or similar); the flood ran with the ' +
          'default configuration (argon2 runs on the libuv pool, UV_THREADPOOL_SIZE ' +
          `${process.env.UV_THREADPOOL_SIZE ?? 'default 4'}).`,
  );

  out.push('', formatMicro(micro));

  const header = Object.entries(meta).map(([key, value]) => `- ${key}: ${value}`);
  const table = out.join('\n');
  const markdown = ['## Run', '', ...header, '', table, '', ...profiles].join('\n');
  return { table, markdown };
}

// ---------------------------------------------------------------------------------------------------------------

/** HEAD, and whether the library sources differ from it (other people edit them while the bench runs). */
function gitDescription(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${head} + uncommitted changes in packages/ (as built at the start of the run)` : head;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'nest-users-bench-'));
  const cleanup = () => rmSync(work, { recursive: true, force: true });
  process.once('SIGINT', () => {
    for (const app of live) app.child.kill('SIGKILL');
    cleanup();
    process.exit(130);
  });
  try {
    const meta: Record<string, string> = {
      date: new Date().toISOString(),
      nproc: String(availableParallelism()),
      cpu: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      commit: gitDescription(),
      'load average at start': loadavg()
        .map((v) => v.toFixed(2))
        .join(' '),
      settings: `${ROUNDS} rounds × ${DURATION} s, warm-up ${WARMUP} s, ${CONNECTIONS} connections, autocannon in the runner process`,
    };
    log(`nproc ${meta.nproc}, node ${meta.node}; seeding in ${work}`);
    const hashed = await argon2Hash(PASSWORD, ARGON2);
    const db1k = join(work, 'users-1k.sqlite');
    const db100k = join(work, 'users-100k.sqlite');
    const seeded1k = await seedDatabase(db1k, 1_000, hashed);
    const seeded100k = await seedDatabase(db100k, 100_000, hashed);
    const db1kWal = join(work, 'users-1k-wal.sqlite');
    copyFileSync(db1k, db1kWal);
    const secrets = [0, 1, 2].map(() => randomBytes(32).toString('base64url'));
    const mint = (users: SeededUser[]) => {
      // The first backend of the app under test is named `jwt`: its tokens carry nest-users:auth:jwt.
      const { strategy } = new JwtAuthentication({ secret: secrets[0]!, lifetimeSeconds: 3600 });
      return Promise.all(
        users.map((user) => strategy.writeToken({ ...user, isActive: true, isSuperuser: false, isVerified: true })),
      );
    };
    const context: Context = {
      secrets,
      // The docs' recipe keeps a plain string constant; any string takes the same path through jsonwebtoken.
      recipeSecret: randomBytes(32).toString('base64url'),
      db1k,
      benchUserId: seeded1k.benchUser.id,
      db1kWal,
      db100k,
      hashed,
      sample1k: seeded1k.sample,
      sample100k: seeded100k.sample,
      spread1k: await mint(seeded1k.sample),
      spread100k: await mint(seeded100k.sample),
    };
    log(`seeded 1 000 and 100 000 users (${context.spread1k.length} + ${context.spread100k.length} tokens minted)`);

    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < sessions.length; i++) {
        const session = sessions[(i + round) % sessions.length]!;
        log(`round ${round + 1}/${ROUNDS}: ${session.name}`);
        await session.run(context, round);
      }
    }

    let memory: MemoryResult | undefined;
    if (MEMORY_REQUESTS > 0) {
      log(`memory: ${MEMORY_REQUESTS} protected requests`);
      memory = await memoryRun(context);
    }
    const floods = [await loginFlood(context, 'default configuration')];
    if (HASH_CAP) {
      const options = HASH_CAP.options(CAPPED, FLOOD_QUEUE);
      floods.push(await loginFlood(context, `with ${JSON.stringify(options)}`, options));
    }
    log(`login flood: ${floods.map((f) => JSON.stringify(f.statusCodes)).join(' / ')}`);

    log('micro-benchmarks: the pieces of a protected request');
    const micro = await microBenchmarks(db1k, seeded1k.benchUser, secrets[0]!);

    const profiles: string[] = [];
    if (PROFILE) {
      const dir = join(DIST, 'profiles');
      mkdirSync(dir, { recursive: true });
      for (const platform of ['express', 'fastify'] as const) {
        log(`CPU profiles: ${platform}, public and protected route${platform === 'express' ? ', logins' : ''}`);
        const runs = await profileRun(context, platform, join(dir, platform));
        const summaries = {
          public: summarizeProfile(runs.public.file, REPO_ROOT),
          protected: summarizeProfile(runs.protected.file, REPO_ROOT),
        };
        profiles.push(
          formatProfileComparison(
            `${platform}: what a protected request costs more than a public one (other processes meanwhile: ` +
              `${fmt(runs.public.foreign, 1)} and ${fmt(runs.protected.foreign, 1)} cores)`,
            summaries,
            {
              public: runs.public.requests,
              protected: runs.protected.requests,
            },
          ),
          formatProfile(
            `${platform}, protected route (${runs.protected.file.slice(REPO_ROOT.length)})`,
            summaries.protected,
            runs.protected.requests,
          ),
        );
        if (runs.login) {
          profiles.push(
            formatProfile(
              `${platform}, sequential logins on one connection (${runs.login.file.slice(REPO_ROOT.length)}; ` +
                `other processes meanwhile: ${fmt(runs.login.foreign, 1)} cores). Per login; the argon2 work runs on ` +
                'the libuv pool and is not in this main-thread profile',
              summarizeProfile(runs.login.file, REPO_ROOT),
              runs.login.requests,
            ),
          );
        }
      }
    }

    const { table, markdown } = report(meta, memory, floods, micro, profiles);
    process.stdout.write(
      `\n${Object.entries(meta)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n')}\n\n${table}\n`,
    );
    writeFileSync(join(DIST, 'last-run.md'), markdown);
    writeFileSync(
      join(DIST, 'last-run.json'),
      JSON.stringify({ meta, results, memory, floods, hashCap: HASH_CAP?.name, micro }, null, 2),
    );
    log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s; full report with profiles: bench/dist/last-run.md`);
  } finally {
    for (const app of [...live]) await app.stop();
    cleanup();
  }
}

await main();
