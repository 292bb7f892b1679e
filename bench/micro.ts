/**
 * The pieces of one protected request, timed one by one in this process (median of batches, so a busy machine
 * disturbs them less than the HTTP rounds): what the guard spends on the token, on the user lookup, and what the
 * alternatives would cost. Run by `run.ts` on the seeded 1 000-user database.
 */
import { createHash, createHmac, generateKeyPairSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import 'reflect-metadata';
import {
  BearerTransport,
  JwtAuthentication,
  VerifiedTokenCache,
  type JwtAlgorithm,
  type JwtCodec,
  type UserLookup,
} from '@nest-users/core';
import { TypeOrmUserRepository } from '@nest-users/typeorm';
import jsonwebtoken from 'jsonwebtoken';
import { DataSource } from 'typeorm';
import { BenchUser } from './apps/bench-user.entity.js';
import { seedDatabase, type SeededUser } from './seed.js';

interface SqliteStatement {
  get(...params: unknown[]): unknown;
}
interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  close(): void;
}
const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string, options?: object) => SqliteDatabase;

export interface MicroRow {
  name: string;
  microseconds: number;
}

/** One thing to time: `size` calls (sync or async) make a batch. */
interface MicroCase {
  name: string;
  fn: () => unknown;
  size: number;
}

const time = (name: string, fn: () => unknown, size = 2000): MicroCase => ({ name, fn, size });

/**
 * Median time per call over `batches` batches of each case, after a warm-up batch. The cases take turns (one batch
 * of each per round), so a busy spell on the shared machine slows all of them alike instead of one row.
 */
async function timeInterleaved(cases: MicroCase[], batches = 15): Promise<MicroRow[]> {
  const perCall = cases.map((): number[] => []);
  for (let batch = -1; batch < batches; batch++) {
    for (const [index, { fn, size }] of cases.entries()) {
      const start = performance.now();
      for (let i = 0; i < size; i++) {
        const result = fn();
        if (result instanceof Promise) await result;
      }
      if (batch >= 0) perCall[index]!.push(((performance.now() - start) * 1000) / size);
    }
  }
  return cases.map(({ name }, index) => {
    const sorted = perCall[index]!.sort((a, b) => a - b);
    return { name, microseconds: sorted[sorted.length >> 1]! };
  });
}

/** What the protected route spends per request, piece by piece. */
export async function microBenchmarks(dbFile: string, user: SeededUser, secret: string): Promise<MicroRow[]> {
  const dataSource = await new DataSource({ type: 'better-sqlite3', database: dbFile, entities: [BenchUser] }).initialize();
  const repository = new TypeOrmUserRepository<BenchUser>(dataSource.getRepository(BenchUser));
  const raw = new Database(dbFile, { readonly: true });
  const byId = raw.prepare(
    'SELECT "id", "email", "hashedPassword", "isActive", "isSuperuser", "isVerified" FROM "user" WHERE "id" = ?',
  );
  try {
    // As the app builds it: a backend named `jwt` (audience nest-users:auth:jwt), the verified-token cache on.
    const strategy = new JwtAuthentication<BenchUser>({ secret, lifetimeSeconds: 3600 }).strategy;
    // Same secret, the cache off: what a token's first request (or every request, with the cache off) costs.
    const uncached = new JwtAuthentication<BenchUser>({ secret, lifetimeSeconds: 3600, verifiedTokenCacheSize: 0 }).strategy;
    const token = await strategy.writeToken({ ...user, isActive: true, isSuperuser: false, isVerified: true } as BenchUser);
    const transport = new BearerTransport();
    const request = { headers: { authorization: `Bearer ${token}` } };
    const lookup: UserLookup<BenchUser, string> = {
      parseId: (id) => id as string,
      get: async (id) => (await repository.get(id))!,
    };
    const key = strategy.key;
    const codec = strategy.codec;
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const signatureBytes = Buffer.from(signature, 'base64url');
    const stringSecretToken = jsonwebtoken.sign({ sub: user.id }, secret, { expiresIn: 3600 });
    const jsonwebtokenOptions = { algorithms: ['HS256' as const], audience: codec.audience[0]!, complete: true as const };
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

    const rows: MicroCase[] = [];
    rows.push(time('BearerTransport.extractToken', () => transport.extractToken(request)));
    // One HS256 verify, every candidate for the codec side by side (same token, same key, same checks where they have them).
    rows.push(
      time('HS256 verify: JwtCodec.verify (node:crypto HMAC; header, signature and claim checks), as shipped', () =>
        codec.verify(token),
      ),
    );
    rows.push(
      time('HS256 verify: jsonwebtoken.verify, KeyObject, algorithms + audience + complete', () =>
        jsonwebtoken.verify(token, key, jsonwebtokenOptions),
      ),
    );
    const jose = await loadJose();
    if (jose) {
      const joseOptions = { algorithms: ['HS256'], audience: codec.audience[0]! };
      rows.push(
        time(
          'HS256 verify: jose jwtVerify (WebCrypto), KeyObject, algorithms + audience',
          () => jose.jwtVerify(token, key, joseOptions),
          500,
        ),
      );
    }
    rows.push(
      time(
        'HS256 verify: hand-written floor (HMAC + timingSafeEqual + JSON.parse of header and payload, no claim checks)',
        () => {
          const expected = createHmac('sha256', key).update(`${header}.${payload}`).digest();
          if (expected.length !== signatureBytes.length || !timingSafeEqual(expected, signatureBytes)) throw new Error('bad');
          JSON.parse(Buffer.from(header, 'base64url').toString());
          return JSON.parse(Buffer.from(payload, 'base64url').toString());
        },
      ),
    );
    rows.push(
      time(
        'jsonwebtoken.verify, string secret (the recipe)',
        () => jsonwebtoken.verify(stringSecretToken, secret, { algorithms: ['HS256'] }),
        200,
      ),
    );
    for (const algorithm of ['RS256', 'ES256', 'EdDSA'] as const) rows.push(...asymmetricRows(algorithm, user.id));
    // What the cache seam buys and costs: a hit, its key (SHA-256 of the token), and what a header memo would save.
    const cache = new VerifiedTokenCache(1024);
    rows.push(
      time('VerifiedTokenCache.verify, a token seen before (SHA-256 + lookup + exp/nbf/iat)', () => cache.verify(codec, token)),
    );
    rows.push(time('SHA-256 of the token (the cache key)', () => createHash('sha256').update(token).digest('binary')));
    rows.push(
      time('header decode + JSON.parse (all a header memo would save)', () =>
        JSON.parse(Buffer.from(header, 'base64url').toString()),
      ),
    );
    rows.push(
      time('password fingerprint (createHmac(KeyObject) over the hash)', () =>
        createHmac('sha256', key).update(user.hashedPassword).digest().subarray(0, 16).toString('base64url'),
      ),
    );
    rows.push(time('UserManager.parseId (UUID regex + toLowerCase)', () => uuid.test(user.id) && user.id.toLowerCase()));
    rows.push(
      time(
        'TypeOrmUserRepository.get (as shipped: statement prepared once on better-sqlite3 + hydration)',
        () => repository.get(user.id),
        1000,
      ),
    );
    rows.push(time('better-sqlite3 prepared statement .get(id), same row', () => byId.get(user.id)));
    rows.push(
      time(
        'JwtStrategy.readToken, all of it (verify + user read + fingerprint), as shipped (cache on)',
        () => strategy.readToken(token, lookup),
        1000,
      ),
    );
    rows.push(
      time(
        'JwtStrategy.readToken, all of it, verifiedTokenCacheSize 0 (cache off)',
        () => uncached.readToken(token, lookup),
        1000,
      ),
    );
    return await timeInterleaved(rows);
  } finally {
    raw.close();
    await dataSource.destroy();
  }
}

/** jose, when it can be loaded (it is not a dependency): `BENCH_JOSE=/path/to/node_modules/jose/dist/webapi/index.js`. */
async function loadJose(): Promise<{ jwtVerify(token: string, key: KeyObject, options: object): Promise<unknown> } | undefined> {
  try {
    return (await import(process.env.BENCH_JOSE ?? 'jose')) as never;
  } catch {
    console.log('micro: jose not found (set BENCH_JOSE to its module path to add its row)');
    return undefined;
  }
}

/** Sign and verify of one asymmetric algorithm through the codec, and through jsonwebtoken where it has the algorithm. */
function asymmetricRows(algorithm: JwtAlgorithm & ('RS256' | 'ES256' | 'EdDSA'), sub: string): MicroCase[] {
  const { privateKey, publicKey } =
    algorithm === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : algorithm === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  const backend = new JwtAuthentication({
    algorithm,
    lifetimeSeconds: 3600,
    keys: [{ kid: 'k', privateKey }],
    revokeOnPasswordChange: false,
  });
  const codec: JwtCodec = backend.strategy.codec;
  const token = codec.sign({ sub }, 3600);
  const rows = [time(`${algorithm} verify: JwtCodec.verify`, () => codec.verify(token), 500)];
  if (algorithm !== 'EdDSA') {
    const options = { algorithms: [algorithm], audience: codec.audience[0]!, complete: true as const };
    rows.push(
      time(`${algorithm} verify: jsonwebtoken.verify, KeyObject`, () => jsonwebtoken.verify(token, publicKey, options), 500),
    );
  }
  return rows;
}

export function formatMicro(rows: MicroRow[]): string {
  return [
    '| piece of a protected request (in-process, median of batches) | µs/call |',
    '|---|---:|',
    ...rows.map((row) => `| ${row.name} | ${row.microseconds.toFixed(1)} |`),
    '',
  ].join('\n');
}

/** `node bench/dist/micro.js`: the micro-benchmarks alone, on a fresh 1 000-user database (about a minute). */
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = mkdtempSync(join(tmpdir(), 'nest-users-micro-'));
  try {
    const file = join(dir, 'users.sqlite');
    const { benchUser } = await seedDatabase(file, 1_000, `$argon2id$v=19$m=19456,t=2,p=1$${randomBytes(16).toString('base64')}`);
    console.log(formatMicro(await microBenchmarks(file, benchUser, randomBytes(32).toString('base64url'))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
