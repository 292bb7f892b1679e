/**
 * Private Redis and PostgreSQL servers for fault tests: each on a spare port of 127.0.0.1, owned by the test that
 * started it, so it can be stopped and started again mid-run. Never the machine's shared services (5432, 6379).
 *
 * ```ts
 * const reason = privateRedisUnavailableReason();
 * describe.skipIf(reason)('outage', () => {
 *   let server: PrivateRedis;
 *   beforeAll(async () => { server = await startPrivateRedis(); });
 *   afterAll(() => server?.destroy());
 *   it('…', async () => { await server.stop(); …; await server.start(); });
 * });
 * ```
 *
 * A server left running by a crashed test process is stopped by an exit hook (best effort; SIGKILL of the worker
 * cannot be caught).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chownSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The ports of the machine's shared services, which a private server must never take. */
const SHARED_PORTS = new Set([5432, 6379]);
/** How long a start may take before it counts as failed. */
const START_TIMEOUT_MS = 10_000;

/** Whether this process runs as root (PostgreSQL then runs as the `postgres` OS user). */
export const isRoot = process.getuid?.() === 0;

/** The first executable called `name` on PATH (or the given absolute candidates), or null. */
function findExecutable(name: string, candidates: string[] = []): string | null {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const path of [...candidates, ...dirs.map((dir) => join(dir, name))]) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // next
    }
  }
  return null;
}

/** `redis-server`'s path, or null when it is not installed. */
export function findRedisServer(): string | null {
  return findExecutable('redis-server');
}

/**
 * The directory holding `initdb` and `pg_ctl`: Debian's newest `/usr/lib/postgresql/<version>/bin`, else PATH.
 * Null when PostgreSQL's server binaries are not installed.
 */
export function findPostgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const bin = join(root, version, 'bin');
      if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
    }
  }
  const initdb = findExecutable('initdb');
  return initdb && findExecutable('pg_ctl') ? join(initdb, '..') : null;
}

/** Why a private Redis cannot be started here, or null when it can. */
export function privateRedisUnavailableReason(): string | null {
  return findRedisServer() ? null : 'redis-server is not installed (apt-get install -y redis-server)';
}

/** The uid and gid of the `postgres` OS user, or null. */
function postgresOsUser(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
  } catch {
    return null;
  }
}

/** Why a private PostgreSQL cannot be started here, or null when it can. */
export function privatePostgresUnavailableReason(): string | null {
  if (!findPostgresBinDir())
    return 'PostgreSQL server binaries (initdb, pg_ctl) are not installed (apt-get install -y postgresql)';
  if (isRoot) {
    if (!postgresOsUser()) return 'running as root, and there is no "postgres" OS user to run PostgreSQL as';
    if (!findExecutable('runuser')) return 'running as root, and runuser (util-linux) is missing';
  }
  return null;
}

/** A TCP port of 127.0.0.1 that nothing listens on right now (the OS picks it), never a shared service's. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (port > 0 && !SHARED_PORTS.has(port)) return port;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends one inline Redis command over a fresh TCP connection; resolves with the first reply line. */
function redisPing(port: number, timeoutMs = 500): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer'));
    }, timeoutMs);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (data.includes('\r\n')) {
        clearTimeout(timer);
        socket.destroy();
        resolve(data.split('\r\n')[0]!);
      }
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Processes to end if the test process exits without stopping them. */
const cleanups = new Set<() => void>();
let exitHookInstalled = false;
function onExit(cleanup: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const fn of cleanups) {
        try {
          fn();
        } catch {
          // best effort
        }
      }
    });
  }
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** @see startPrivateRedis */
export interface PrivateRedis {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Whether the server is up (between a `start` and a `stop`). */
  readonly running: boolean;
  /**
   * Stops the server and waits until it has exited. `SIGTERM` (default) is Redis' orderly shutdown, which closes
   * every client connection; `SIGKILL` is a crash. A no-op when stopped.
   */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same port (empty: nothing is persisted) and waits until it answers PING. */
  start(): Promise<void>;
  /**
   * Freezes the server (`SIGSTOP`): connections stay open but nothing is answered, as with a hung server or a
   * network partition without a reset. `resume()` (`SIGCONT`) lets it go on.
   */
  pause(): void;
  resume(): void;
  /** `stop()`, for `afterAll`. */
  destroy(): Promise<void>;
}

/**
 * Starts `redis-server --port <spare port> --bind 127.0.0.1 --save "" --appendonly no --daemonize no` as a child
 * process and resolves once it answers PING (typically within 100 ms).
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const binary = findRedisServer();
  if (!binary) throw new Error(privateRedisUnavailableReason()!);
  const dir = mkdtempSync(join(tmpdir(), 'nest-users-redis-'));
  let child: ChildProcess | null = null;
  let port = 0;

  const launch = async (): Promise<void> => {
    let output = '';
    const proc = spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proc.stdout!.on('data', (chunk) => (output = (output + chunk.toString()).slice(-4000)));
    proc.stderr!.on('data', (chunk) => (output = (output + chunk.toString()).slice(-4000)));
    let exited = false;
    proc.once('exit', () => (exited = true));
    child = proc;
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (exited) {
        child = null;
        throw new Error(`redis-server on port ${port} exited at start:\n${output}`);
      }
      if ((await redisPing(port).catch(() => '')) === '+PONG') return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        child = null;
        throw new Error(`redis-server on port ${port} did not answer within ${START_TIMEOUT_MS} ms:\n${output}`);
      }
      await sleep(20);
    }
  };

  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    const proc = child;
    if (!proc) return;
    child = null;
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    // A paused server only sees the signal once it runs again.
    proc.kill('SIGCONT');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };

  // The spare port may be taken between freePort() and the bind: try another.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
  const removeHook = onExit(() => {
    (child as ChildProcess | null)?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get running() {
      return child !== null;
    },
    stop,
    start: async () => {
      if (!child) await launch();
    },
    pause: () => {
      if (!child) throw new Error('the private Redis is not running');
      child.kill('SIGSTOP');
    },
    resume: () => {
      child?.kill('SIGCONT');
    },
    destroy: async () => {
      await stop();
      removeHook();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** @see startPrivatePostgres */
export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication). */
  readonly url: string;
  readonly port: number;
  /** Whether the server is up (between a `start` and a `stop`). */
  readonly running: boolean;
  /** Milliseconds the last `initdb` took. */
  readonly initdbMs: number;
  /**
   * `pg_ctl stop -m fast` (default: open sessions are ended, connections closed) or `-m immediate` (a crash:
   * recovery on the next start). Waits until the server is down; a no-op when stopped.
   */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** `pg_ctl start -w` on the same port and data directory (the data survives). */
  start(): Promise<void>;
  /**
   * Freezes the postmaster and every backend (`SIGSTOP`): connections stay open and new ones are accepted by the
   * kernel, but nothing answers, as with a hung server. `resume()` (`SIGCONT`) lets them go on.
   */
  pause(): void;
  resume(): void;
  /** Stops the server and deletes its data directory. */
  destroy(): Promise<void>;
}

/**
 * Creates a throwaway cluster with Debian's binaries (`initdb -D <tmpdir> -A trust -U postgres`) and starts it with
 * `pg_ctl` on a spare port of 127.0.0.1, its Unix socket in the temporary directory, durability off (fsync), which
 * takes about a second. As root, `initdb` and `pg_ctl` run as the `postgres` OS user, which owns the directory
 * (PostgreSQL refuses to run as root).
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const reason = privatePostgresUnavailableReason();
  if (reason) throw new Error(reason);
  const bin = findPostgresBinDir()!;
  const dir = mkdtempSync(join(tmpdir(), 'nest-users-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  if (isRoot) {
    const owner = postgresOsUser()!;
    chownSync(dir, owner.uid, owner.gid);
  }
  const run = async (tool: string, args: string[], timeoutMs = 30_000) => {
    const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
    try {
      return await execFileAsync(file, argv, { timeout: timeoutMs, cwd: dir, encoding: 'utf8' });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      let serverLog = '';
      try {
        serverLog = execFileSync('tail', ['-n', '30', log], { encoding: 'utf8' });
      } catch {
        // no log yet
      }
      throw new Error(`${tool} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}\n${serverLog}`, {
        cause: error,
      });
    }
  };

  const initStarted = Date.now();
  await run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '-N']);
  const initdbMs = Date.now() - initStarted;

  let port = 0;
  let running = false;
  const serverOptions = () =>
    [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=50',
      '-c shared_buffers=16MB',
    ].join(' ');
  const start = async () => {
    if (running) return;
    await run('pg_ctl', ['-D', data, '-l', log, '-o', serverOptions(), '-w', '-t', String(START_TIMEOUT_MS / 1000), 'start']);
    running = true;
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    if (!running) return;
    await run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '10', 'stop']);
    running = false;
  };

  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await start();
      break;
    } catch (error) {
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  let paused: number[] = [];
  const postmasterPid = (): number => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const childPids = (parent: number): number[] =>
    execFileSync('ps', ['-o', 'pid=', '--ppid', String(parent)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => pid > 0);
  const resume = () => {
    for (const pid of paused) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone
      }
    }
    paused = [];
  };

  const removeHook = onExit(() => {
    resume();
    if (running) {
      const args = ['-D', data, '-m', 'immediate', '-w', '-t', '5', 'stop'];
      const [file, argv] = isRoot
        ? ['runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...args]]
        : [join(bin, 'pg_ctl'), args];
      execFileSync(file, argv, { stdio: 'ignore', timeout: 6000 });
    }
    rmSync(dir, { recursive: true, force: true });
  });

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    initdbMs,
    get running() {
      return running;
    },
    stop: async (mode) => {
      resume();
      await stop(mode);
    },
    start,
    pause: () => {
      if (!running) throw new Error('the private PostgreSQL is not running');
      // The postmaster first, so it forks no new backend while its children are being frozen.
      const postmaster = postmasterPid();
      for (const pid of [postmaster, ...childPids(postmaster)]) {
        process.kill(pid, 'SIGSTOP');
        paused.push(pid);
      }
    },
    resume,
    destroy: async () => {
      resume();
      try {
        await stop();
      } finally {
        removeHook();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
