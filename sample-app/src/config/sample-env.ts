import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Logger } from '@nestjs/common';
import { parseDatabaseUrl } from '../database.config.js';
import { parseRateLimit } from '../rate-limit.config.js';

/** The sample's settings, as `ConfigService` holds them once `validateSampleEnv` has checked the environment. */
export interface SampleEnv {
  /** @default 3000 */
  PORT: number;
  /** @default '0.0.0.0' */
  HOST: string;
  /** `sqlite:<file>` (relative to the working directory) or `postgres://…`. @default the repository's sample-app/data/sample.sqlite */
  DATABASE_URL: string;
  /** HMAC secret of the JWT backends (at least 32 bytes); unset: a random one per process, with a warning. */
  JWT_SECRET?: string;
  /** Adds the `redis` backend and shares the rate limits through Redis. */
  REDIS_URL?: string;
  /** The library's rate limits; `off` for load tests that send everything from one address. @default 'on' */
  RATE_LIMIT: 'on' | 'off';
  /** Where links in emails point, and where OAuth providers send the browser back. @default http://localhost:<PORT> */
  PUBLIC_URL: string;
  /**
   * An OpenID Connect provider for social login (`GET /auth/oidc/authorize`), found by discovery; set all three or
   * none (then OAuth is off). Register `<PUBLIC_URL>/login/callback` as its redirect URI; `/login` has the button.
   */
  OIDC_ISSUER?: string;
  OIDC_CLIENT_ID?: string;
  OIDC_CLIENT_SECRET?: string;
}

/** The default database, anchored at the repository root so it is the same file whatever the working directory. */
export const DEFAULT_DATABASE_URL = `sqlite:${fileURLToPath(new URL('../../data/sample.sqlite', import.meta.url))}`;

/**
 * `ConfigModule.forRoot({ validate })`: checks every variable the sample reads and fills in the development defaults,
 * so the app fails at startup with a message naming the variable, never later.
 */
export function validateSampleEnv(raw: Record<string, unknown>): SampleEnv {
  const text = (name: string): string | undefined => {
    const value = raw[name];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw new Error(`${name} must be a string.`);
    return value;
  };
  const port = Number(text('PORT') ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not "${text('PORT')}".`);
  const databaseUrl = text('DATABASE_URL') ?? DEFAULT_DATABASE_URL;
  parseDatabaseUrl(databaseUrl); // throws a message that does not echo the URL
  const redisUrl = text('REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl))
    throw new Error('REDIS_URL must start with redis:// or rediss://.');
  const oidc = {
    OIDC_ISSUER: text('OIDC_ISSUER'),
    OIDC_CLIENT_ID: text('OIDC_CLIENT_ID'),
    OIDC_CLIENT_SECRET: text('OIDC_CLIENT_SECRET'),
  };
  const oidcSet = Object.values(oidc).filter((value) => value !== undefined).length;
  if (oidcSet !== 0 && oidcSet !== 3)
    throw new Error('Set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together, or none.');
  if (oidc.OIDC_ISSUER !== undefined && !URL.canParse(oidc.OIDC_ISSUER)) throw new Error('OIDC_ISSUER must be a URL.');
  return {
    ...(oidcSet ? oidc : {}),
    PORT: port,
    HOST: text('HOST') ?? '0.0.0.0',
    DATABASE_URL: databaseUrl,
    // Its length is checked by the JWT backends themselves, with an error that says how to make one.
    JWT_SECRET: text('JWT_SECRET'),
    REDIS_URL: redisUrl,
    // A string, like every value ConfigModule copies back into process.env.
    RATE_LIMIT: parseRateLimit(text('RATE_LIMIT')) ? 'on' : 'off',
    PUBLIC_URL: (text('PUBLIC_URL') ?? `http://localhost:${port}`).replace(/\/+$/, ''),
  };
}

let generatedSecret: string | undefined;

/**
 * `JWT_SECRET`, or (development only) a random secret generated once per process, announced loudly: tokens then die
 * with the process and instances cannot share them.
 */
export function jwtSecretOf(env: Pick<SampleEnv, 'JWT_SECRET'>): string {
  if (env.JWT_SECRET) return env.JWT_SECRET;
  if (!generatedSecret) {
    generatedSecret = randomBytes(32).toString('base64url');
    new Logger('SampleApp').warn(
      [
        '',
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
        '!!  JWT_SECRET is not set: using a random secret for this process only.     !!',
        '!!  Every token becomes invalid on restart, and instances cannot share them. !!',
        '!!  Set one:  export JWT_SECRET=$(openssl rand -base64 32)                  !!',
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      ].join('\n'),
    );
  }
  return generatedSecret;
}
