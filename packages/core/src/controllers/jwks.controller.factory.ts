import { Controller, Get, Header, Inject, type Type } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticationBackend } from '../backend/authentication-backend.js';
import { Public } from '../decorators/public.decorator.js';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import { JwtStrategy, type PublicJwk } from '../strategy/jwt.strategy.js';
import { AUTH_BACKENDS } from '../users-auth.constants.js';

const JWKS_SCHEMA = {
  type: 'object',
  required: ['keys'],
  properties: {
    keys: {
      type: 'array',
      items: {
        type: 'object',
        required: ['kty', 'kid', 'alg', 'use'],
        properties: {
          kty: { type: 'string', enum: ['RSA', 'EC', 'OKP'] },
          kid: { type: 'string' },
          alg: { type: 'string', enum: ['RS256', 'ES256', 'EdDSA'] },
          use: { type: 'string', enum: ['sig'] },
          n: { type: 'string', description: 'RSA modulus (base64url)' },
          e: { type: 'string', description: 'RSA exponent (base64url)' },
          crv: { type: 'string', enum: ['P-256', 'Ed25519'] },
          x: { type: 'string' },
          y: { type: 'string' },
        },
      },
    },
  },
  example: {
    keys: [
      { kty: 'OKP', kid: '2026-02', alg: 'EdDSA', use: 'sig', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' },
    ],
  },
};

/**
 * The public JWKs of every asymmetric JWT backend (RS256, ES256, EdDSA), in backend then key order: every key a token
 * may be verified with, so a verifier that caches this document accepts tokens of a key while it is listed. HMAC
 * backends publish nothing. A kid used by two backends must name the same key (it is then listed once).
 * @throws UsersAuthConfigurationError when one kid names two different keys
 */
export function collectPublicJwks(backends: readonly AuthenticationBackend<any, any>[]): PublicJwk[] {
  const byKid = new Map<string, { jwk: PublicJwk; backend: string }>();
  const keys: PublicJwk[] = [];
  for (const backend of backends) {
    if (!(backend.strategy instanceof JwtStrategy)) continue;
    for (const jwk of backend.strategy.publicJwks()) {
      const seen = byKid.get(jwk.kid);
      if (!seen) {
        byKid.set(jwk.kid, { jwk, backend: backend.name });
        keys.push(jwk);
      } else if (JSON.stringify(seen.jwk) !== JSON.stringify(jwk)) {
        throw new UsersAuthConfigurationError(
          `JWKS: kid "${jwk.kid}" names different keys in backends "${seen.backend}" and "${backend.name}": a verifier ` +
            `would pick either. Give each key its own kid.`,
        );
      }
    }
  }
  return keys;
}

/**
 * `GET /<path>` (default `/.well-known/jwks.json`): the JWK Set (RFC 7517 §5) of the asymmetric JWT backends, for
 * services that verify the tokens without holding any secret. Public, cacheable for 5 minutes: keep a retired key
 * listed (public part only) for at least the token lifetime plus those 5 minutes.
 * @publicApi
 */
export function createJwksController(path = '.well-known/jwks.json'): Type<unknown> {
  @ApiTags('auth')
  @Public()
  @Controller()
  class JwksController {
    /** Fixed at boot: the configured keys never change while the app runs. */
    private readonly body: string;

    constructor(@Inject(AUTH_BACKENDS) backends: AuthenticationBackend[]) {
      this.body = JSON.stringify({ keys: collectPublicJwks(backends) });
    }

    @Get(path.replace(/^\/+|\/+$/g, ''))
    @Header('Cache-Control', 'public, max-age=300')
    @ApiOperation({ operationId: 'jwks', summary: 'Public keys of the JWT backends (JWK Set)' })
    @ApiOkResponse({
      description: 'The public keys tokens are verified with; never a private part or an HMAC secret.',
      schema: JWKS_SCHEMA,
    })
    jwks(): { keys: PublicJwk[] } {
      // A fresh copy each time: nothing downstream can alter what the next caller gets.
      return JSON.parse(this.body) as { keys: PublicJwk[] };
    }
  }
  return JwksController;
}
