/**
 * The pieces of one protected request, timed one by one in this process (median of batches, so a busy machine
 * disturbs them less than the HTTP rounds): what the guard spends on the token, on the user lookup, and what the
 * alternatives would cost. Run by `run.ts` on the seeded 1 000-user database.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import 'reflect-metadata';
import { BearerTransport, JwtStrategy, type UserLookup } from '@nest-users/core';
import { TypeOrmUserRepository } from '@nest-users/typeorm';
import jsonwebtoken from 'jsonwebtoken';
import { DataSource } from 'typeorm';
import { BenchUser } from './apps/bench-user.entity.js';
import type { SeededUser } from './seed.js';

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

/** Median time per call over `batches` batches of `size` calls (sync or async), after a warm-up batch. */
async function time(name: string, fn: () => unknown, size = 2000, batches = 7): Promise<MicroRow> {
  const perCall: number[] = [];
  for (let batch = -1; batch < batches; batch++) {
    const start = performance.now();
    for (let i = 0; i < size; i++) {
      const result = fn();
      if (result instanceof Promise) await result;
    }
    if (batch >= 0) perCall.push(((performance.now() - start) * 1000) / size);
  }
  perCall.sort((a, b) => a - b);
  return { name, microseconds: perCall[perCall.length >> 1]! };
}

/** What the protected route spends per request, piece by piece. */
export async function microBenchmarks(dbFile: string, user: SeededUser, secret: string): Promise<MicroRow[]> {
  const dataSource = await new DataSource({ type: 'better-sqlite3', database: dbFile, entities: [BenchUser] }).initialize();
  const repository = new TypeOrmUserRepository<BenchUser>(dataSource.getRepository(BenchUser));
  const raw = new Database(dbFile, { readonly: true });
  const byId = raw.prepare('SELECT "id", "email", "hashedPassword", "isActive", "isSuperuser", "isVerified" FROM "user" WHERE "id" = ?');
  try {
    const strategy = new JwtStrategy<BenchUser>({ secret, lifetimeSeconds: 3600 });
    // Same secret, nothing remembered: what a token's first request (or every request, with the cache off) costs.
    const uncached = new JwtStrategy<BenchUser>({ secret, lifetimeSeconds: 3600, verifiedTokenCacheSize: 0 });
    const token = await strategy.writeToken({ ...user, isActive: true, isSuperuser: false, isVerified: true } as BenchUser);
    const transport = new BearerTransport();
    const request = { headers: { authorization: `Bearer ${token}` } };
    const lookup: UserLookup<BenchUser, string> = {
      parseId: (id) => id as string,
      get: async (id) => (await repository.get(id))!,
    };
    const key = strategy.key;
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const signatureBytes = Buffer.from(signature, 'base64url');
    const stringSecretToken = jsonwebtoken.sign({ sub: user.id }, secret, { expiresIn: 3600 });
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

    const rows: MicroRow[] = [];
    rows.push(await time('BearerTransport.extractToken', () => transport.extractToken(request)));
    rows.push(await time('JwtStrategy.isWellFormed', () => strategy.isWellFormed(token)));
    rows.push(await time('JwtStrategy.verify, a token seen before (as shipped: remembered verdict, exp/nbf checked)', () => strategy.verify(token)));
    rows.push(
      await time('JwtStrategy.verify, first sight (verifiedTokenCacheSize 0: key selection + HMAC + claim checks)', () =>
        uncached.verify(token),
      ),
    );
    rows.push(
      await time('jsonwebtoken.verify, same token, string secret (the recipe)', () =>
        jsonwebtoken.verify(stringSecretToken, secret, { algorithms: ['HS256'] }),
      ),
    );
    rows.push(
      await time('hand-written HS256 check: HMAC + timingSafeEqual + JSON.parse of header and payload', () => {
        const expected = createHmac('sha256', key).update(`${header}.${payload}`).digest();
        if (expected.length !== signatureBytes.length || !timingSafeEqual(expected, signatureBytes)) throw new Error('bad');
        JSON.parse(Buffer.from(header, 'base64url').toString());
        return JSON.parse(Buffer.from(payload, 'base64url').toString());
      }),
    );
    rows.push(
      await time('password fingerprint (createHmac(KeyObject) over the hash)', () =>
        createHmac('sha256', key).update(user.hashedPassword).digest().subarray(0, 16).toString('base64url'),
      ),
    );
    rows.push(await time('UserManager.parseId (UUID regex + toLowerCase)', () => uuid.test(user.id) && user.id.toLowerCase()));
    rows.push(await time('TypeOrmUserRepository.get (as shipped: statement prepared once on better-sqlite3 + hydration)', () => repository.get(user.id), 1000));
    rows.push(await time('better-sqlite3 prepared statement .get(id), same row', () => byId.get(user.id)));
    rows.push(await time('JwtStrategy.readToken, all of it (verify + user read + fingerprint), as shipped', () => strategy.readToken(token, lookup), 1000));
    rows.push(
      await time('JwtStrategy.readToken, all of it, verifiedTokenCacheSize 0', () => uncached.readToken(token, lookup), 1000),
    );
    return rows;
  } finally {
    raw.close();
    await dataSource.destroy();
  }
}

export function formatMicro(rows: MicroRow[]): string {
  return [
    '| piece of a protected request (in-process, median of batches) | µs/call |',
    '|---|---:|',
    ...rows.map((row) => `| ${row.name} | ${row.microseconds.toFixed(1)} |`),
    '',
  ].join('\n');
}
