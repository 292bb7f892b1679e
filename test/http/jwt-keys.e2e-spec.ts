import { createPublicKey, verify as cryptoVerify, type JsonWebKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JwtAuthentication } from '@nest-users/core';
import jsonwebtoken from 'jsonwebtoken';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asymmetricKeys, createAsymmetricApp, KIDS, type AsymmetricApp, type Platform } from '../fixtures/asymmetric-app.js';
import { login, register } from '../fixtures/http.js';
import { b64json, forgeHmac, forgeSigned, PRIVATE_JWK_MEMBERS, publicKeyAsSecrets, withSignature } from '@nest-users/testing/jwt';
import type { User } from '../fixtures/user.entity.js';

type Backend = 'rsa' | 'ec' | 'ed';
const BACKENDS: Backend[] = ['rsa', 'ec', 'ed'];
const ALG = { rsa: 'RS256', ec: 'ES256', ed: 'EdDSA' } as const;
const KID = { rsa: KIDS.rsaNew, ec: KIDS.ec, ed: KIDS.ed } as const;
const PUBLIC_MEMBERS = {
  RSA: ['alg', 'e', 'kid', 'kty', 'n', 'use'],
  EC: ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
  OKP: ['alg', 'crv', 'kid', 'kty', 'use', 'x'],
};

const decode = (token: string) =>
  jsonwebtoken.decode(token, { complete: true }) as Omit<jsonwebtoken.Jwt, 'payload'> & { payload: jsonwebtoken.JwtPayload };

/** A strategy as the `rsa` backend was configured before the rotation: the old key signed. */
function beforeRotation() {
  const keys = asymmetricKeys();
  // The `rsa` backend as it was configured before the rotation (same name: same audience).
  return new JwtAuthentication<User>({
    name: 'rsa',
    algorithm: 'RS256',
    lifetimeSeconds: 3600,
    fingerprintSecret: keys.fingerprintSecret,
    keys: [{ kid: KIDS.rsaOld, privateKey: keys.rsaOld.privateKey }],
  }).strategy;
}

describe.each(['express', 'fastify'] as Platform[])('asymmetric JWT backends end to end (%s)', (platform) => {
  let t: AsymmetricApp;
  let tokens: Record<Backend, string>;
  let jwks: Array<JsonWebKey & { kid: string; alg: string }>;
  const get = (path: string, token?: string) => {
    const call = request(t.server as never).get(path);
    return token === undefined ? call : call.set('Authorization', `Bearer ${token}`);
  };
  /** The status of both guards (UsersAuthGuard and passport's AuthGuard) of a backend for this token. */
  const statuses = async (backend: Backend, token: string) => [
    (await get(`/probe/${backend}`, token)).status,
    (await get(`/probe/passport/${backend}`, token)).status,
  ];

  beforeAll(async () => {
    t = await createAsymmetricApp({ platform });
    await register(t.server, 'ada@example.com');
    tokens = {
      rsa: await login(t.server, 'ada@example.com', undefined, 'rsa'),
      ec: await login(t.server, 'ada@example.com', undefined, 'ec'),
      ed: await login(t.server, 'ada@example.com', undefined, 'ed'),
    };
    jwks = (await get('/.well-known/jwks.json')).body.keys;
  });
  afterAll(async () => t?.close());

  describe.each(BACKENDS)('backend %s', (backend) => {
    it('logs in with a token whose header pins the algorithm and names the signing key', () => {
      expect(decode(tokens[backend]).header).toEqual({ alg: ALG[backend], typ: 'JWT', kid: KID[backend] });
      expect(Object.keys(decode(tokens[backend]).payload).sort()).toEqual(
        backend === 'ec' ? ['aud', 'exp', 'iat', 'sub'] : ['aud', 'exp', 'iat', 'pfp', 'sub'],
      );
    });

    it('opens its protected routes (UsersAuthGuard and AuthGuard) and no other backend', async () => {
      expect(await statuses(backend, tokens[backend])).toEqual([200, 200]);
      expect((await get(`/probe/${backend}`, tokens[backend])).body).toEqual({ email: 'ada@example.com' });
      for (const other of BACKENDS.filter((name) => name !== backend))
        expect(await statuses(other, tokens[backend])).toEqual([401, 401]);
    });

    it('refuses HS256/HS512 tokens HMAC-ed with its public key, in every spelling taken from the JWKS', async () => {
      const published = jwks.find((key) => key.kid === KID[backend])!;
      const publicKey = createPublicKey({ key: published, format: 'jwk' });
      const claims = decode(tokens[backend]).payload;
      for (const [label, secret] of publicKeyAsSecrets(publicKey, published)) {
        for (const header of [
          { alg: 'HS256', typ: 'JWT', kid: KID[backend] },
          { alg: 'HS256', typ: 'JWT' },
          { alg: 'HS512', typ: 'JWT', kid: KID[backend] },
        ]) {
          const token = forgeHmac(header, claims, secret, header.alg === 'HS512' ? 'sha512' : 'sha256');
          expect(await statuses(backend, token), `${label} ${header.alg}`).toEqual([401, 401]);
        }
      }
    });

    it('refuses alg none, an all-zero signature (ES256 r = s = 0) and a tampered payload', async () => {
      const { header, payload } = decode(tokens[backend]);
      const [h, , s] = tokens[backend].split('.');
      const refused = [
        `${b64json({ ...header, alg: 'none' })}.${b64json(payload)}.`,
        `${b64json({ ...header, alg: 'none' })}.${b64json(payload)}.${s}`,
        withSignature(header, payload, Buffer.alloc(backend === 'rsa' ? 256 : 64)),
        `${h}.${b64json({ ...payload, sub: '00000000-0000-4000-8000-000000000000' })}.${s}`,
      ];
      for (const token of refused) expect(await statuses(backend, token)).toEqual([401, 401]);
    });
  });

  describe('GET /.well-known/jwks.json', () => {
    it('lists the public keys of every key-pair backend, old RSA key included, cacheable, without any private part', async () => {
      const response = await get('/.well-known/jwks.json');
      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('public, max-age=300');
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(jwks.map((key) => [key.kid, key.alg])).toEqual([
        [KIDS.rsaNew, 'RS256'],
        [KIDS.rsaOld, 'RS256'],
        [KIDS.ec, 'ES256'],
        [KIDS.ed, 'EdDSA'],
      ]);
      for (const key of jwks) {
        expect(Object.keys(key).sort()).toEqual(PUBLIC_MEMBERS[key.kty as keyof typeof PUBLIC_MEMBERS]);
        expect(key.use).toBe('sig');
        for (const member of PRIVATE_JWK_MEMBERS) expect(key).not.toHaveProperty(member);
      }
      const keys = asymmetricKeys();
      for (const pair of [keys.rsaNew, keys.rsaOld, keys.ec, keys.ed])
        expect(response.text).not.toContain(pair.privateKey.export({ format: 'jwk' }).d);
    });

    it('is enough for another service to verify the tokens', () => {
      for (const backend of BACKENDS) {
        const [h, p, s] = tokens[backend].split('.') as [string, string, string];
        const key = createPublicKey({ key: jwks.find((jwk) => jwk.kid === decode(tokens[backend]).header.kid)!, format: 'jwk' });
        const valid = cryptoVerify(
          backend === 'ed' ? null : 'sha256',
          Buffer.from(`${h}.${p}`),
          backend === 'ec' ? { key, dsaEncoding: 'ieee-p1363' } : key,
          Buffer.from(s, 'base64url'),
        );
        expect(valid, backend).toBe(true);
      }
    });

    it('is public in the OpenAPI document, operationId jwks, tag auth', () => {
      const operation = t.document.paths['/.well-known/jwks.json']?.get;
      expect(operation?.operationId).toBe('jwks');
      expect(operation?.tags).toEqual(['auth']);
      expect(operation?.security).toBeUndefined();
      expect(Object.keys(t.document.components?.securitySchemes ?? {})).toEqual(expect.arrayContaining(['rsa', 'ec', 'ed']));
    });
  });

  describe('kid, jku, x5u, jwk: never a lookup', () => {
    let server: Server;
    let hits = 0;
    let url: string;
    beforeAll(async () => {
      server = createServer((_request, response) => {
        hits += 1;
        response.end('{}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('refuses validly signed tokens that point at keys elsewhere, and nothing is fetched', async () => {
      const { header, payload } = decode(tokens.rsa);
      const { rsaNew } = asymmetricKeys();
      const attacker = asymmetricKeys().rsaOld;
      const sign = (extra: Record<string, unknown>, key = rsaNew.privateKey) =>
        forgeSigned({ ...header, ...extra }, payload, key);
      const refused = [
        sign({ jku: `${url}/jwks.json` }),
        sign({ x5u: `${url}/cert.pem` }),
        sign({ kid: `${url}/key.pem` }),
        sign({ kid: '../../../../dev/null' }),
        sign({ kid: "' OR 1=1--" }),
        sign({ kid: 'k'.repeat(10_000) }),
        sign({ kid: undefined, jwk: { ...attacker.publicKey.export({ format: 'jwk' }), kid: 'attacker' } }, attacker.privateKey),
        sign({ kid: undefined }),
      ];
      for (const token of refused) expect(await statuses('rsa', token)).toEqual([401, 401]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(hits).toBe(0);
      // The reference token, same claims and key, honestly signed: accepted.
      expect(await statuses('rsa', sign({}))).toEqual([200, 200]);
    });
  });

  describe('key rotation', () => {
    it('accepts a token signed with the previous key while it is listed', async () => {
      const ada = await t.users.findOneByOrFail({ email: 'ada@example.com' });
      const old = await beforeRotation().writeToken(ada);
      expect(decode(old).header.kid).toBe(KIDS.rsaOld);
      expect(await statuses('rsa', old)).toEqual([200, 200]);
    });
  });

  describe('password change', () => {
    it('ends older tokens of the backends with a fingerprintSecret; ES256 without one keeps them until exp', async () => {
      await register(t.server, 'bob@example.com');
      const bob = Object.fromEntries(
        await Promise.all(BACKENDS.map(async (name) => [name, await login(t.server, 'bob@example.com', undefined, name)])),
      );
      for (const backend of BACKENDS) expect(await statuses(backend, bob[backend])).toEqual([200, 200]);
      await t.users.update({ email: 'bob@example.com' }, { hashedPassword: '$argon2id$v=19$m=19456,t=2,p=1$changed$changed' });
      expect(await statuses('rsa', bob.rsa)).toEqual([401, 401]);
      expect(await statuses('ed', bob.ed)).toEqual([401, 401]);
      expect(await statuses('ec', bob.ec)).toEqual([200, 200]);
    });
  });
});

describe('after the rotation: the old RSA key removed', () => {
  let t: AsymmetricApp;
  beforeAll(async () => {
    t = await createAsymmetricApp({ retireOldRsaKey: true });
    await register(t.server, 'ada@example.com');
  });
  afterAll(async () => t?.close());

  it('refuses tokens of the old key, keeps accepting the new ones, and no longer publishes the old key', async () => {
    const ada = await t.users.findOneByOrFail({ email: 'ada@example.com' });
    const old = await beforeRotation().writeToken(ada);
    const fresh = await login(t.server, 'ada@example.com', undefined, 'rsa');
    for (const path of ['/probe/rsa', '/probe/passport/rsa']) {
      expect(
        (
          await request(t.server as never)
            .get(path)
            .set('Authorization', `Bearer ${old}`)
        ).status,
      ).toBe(401);
      expect(
        (
          await request(t.server as never)
            .get(path)
            .set('Authorization', `Bearer ${fresh}`)
        ).status,
      ).toBe(200);
    }
    const { body } = await request(t.server as never).get('/.well-known/jwks.json');
    expect(body.keys.map((key: { kid: string }) => key.kid)).toEqual([KIDS.rsaNew, KIDS.ec, KIDS.ed]);
  });
});
