import { createPrivateKey, createPublicKey, createSecretKey, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { testKeyPair } from '@nest-users/testing/jwt';
import jsonwebtoken, { type Algorithm } from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { JwtCodec, signJws, verifyJws } from './jwt.codec.js';
import { parseJwtKeySet, type JwtAlgorithm } from './jwt-keys.js';

/** RFC 7515 appendix A: the JWS payload shared by A.1 to A.3 (`{"iss":"joe", "exp":1300819380, ...}`). */
const RFC7515_PAYLOAD = 'eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ';

/** RFC 7515 A.1: HS256 with the JWK `k` below. */
const A1 = {
  key: createSecretKey(
    Buffer.from('AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow', 'base64url'),
  ),
  header: 'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9',
  signature: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
};

/** RFC 7515 A.2: RS256 (RSASSA-PKCS1-v1_5, deterministic: signing must reproduce the signature). */
const A2_JWK: JsonWebKey = {
  kty: 'RSA',
  n: 'ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ',
  e: 'AQAB',
  d: 'Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ',
  p: '4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc',
  q: 'uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc',
  dp: 'BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0',
  dq: 'h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU',
  qi: 'IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U',
};
const A2 = {
  header: 'eyJhbGciOiJSUzI1NiJ9',
  signature:
    'cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw',
};

/** RFC 7515 A.3: ES256 (randomized: the given signature must verify, and our own signatures too). */
const A3_JWK: JsonWebKey = {
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
  d: 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI',
};
const A3 = {
  header: 'eyJhbGciOiJFUzI1NiJ9',
  signature: 'DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q',
};

/** RFC 8037 A.1, A.4, A.5: Ed25519 (deterministic), payload "Example of Ed25519 signing". */
const RFC8037_JWK: JsonWebKey = {
  kty: 'OKP',
  crv: 'Ed25519',
  d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A',
  x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
};
const RFC8037 = {
  input: 'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc',
  signature: 'hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg',
};

const publicOf = (jwk: JsonWebKey): KeyObject => createPublicKey(createPrivateKey({ key: jwk, format: 'jwk' }));
const privateOf = (jwk: JsonWebKey): KeyObject => createPrivateKey({ key: jwk, format: 'jwk' });
const bytes = (base64url: string) => Buffer.from(base64url, 'base64url');
const flip = (signature: string) => {
  const b = bytes(signature);
  b[0]! ^= 1;
  return b;
};

describe('JWS signatures (RFC 7515 appendix A, RFC 8037 appendix A)', () => {
  it('A.1 HS256: reproduces and verifies the signature', () => {
    const input = `${A1.header}.${RFC7515_PAYLOAD}`;
    expect(signJws('HS256', input, A1.key).toString('base64url')).toBe(A1.signature);
    expect(verifyJws('HS256', input, bytes(A1.signature), A1.key)).toBe(true);
    expect(verifyJws('HS256', input, flip(A1.signature), A1.key)).toBe(false);
  });

  it('A.2 RS256: reproduces and verifies the signature', () => {
    const input = `${A2.header}.${RFC7515_PAYLOAD}`;
    expect(signJws('RS256', input, privateOf(A2_JWK)).toString('base64url')).toBe(A2.signature);
    expect(verifyJws('RS256', input, bytes(A2.signature), publicOf(A2_JWK))).toBe(true);
    expect(verifyJws('RS256', input, flip(A2.signature), publicOf(A2_JWK))).toBe(false);
  });

  it('A.3 ES256: verifies the given signature (r‖s, not DER), and its own', () => {
    const input = `${A3.header}.${RFC7515_PAYLOAD}`;
    expect(verifyJws('ES256', input, bytes(A3.signature), publicOf(A3_JWK))).toBe(true);
    expect(verifyJws('ES256', input, flip(A3.signature), publicOf(A3_JWK))).toBe(false);
    const own = signJws('ES256', input, privateOf(A3_JWK));
    expect(own).toHaveLength(64);
    expect(verifyJws('ES256', input, own, publicOf(A3_JWK))).toBe(true);
  });

  it('RFC 8037 A.4/A.5 EdDSA (Ed25519): reproduces and verifies the signature', () => {
    expect(signJws('EdDSA', RFC8037.input, privateOf(RFC8037_JWK)).toString('base64url')).toBe(RFC8037.signature);
    expect(verifyJws('EdDSA', RFC8037.input, bytes(RFC8037.signature), publicOf(RFC8037_JWK))).toBe(true);
    expect(verifyJws('EdDSA', RFC8037.input, flip(RFC8037.signature), publicOf(RFC8037_JWK))).toBe(false);
  });

  it('refuses a key of the wrong kind for the algorithm (algorithm confusion), never throws', () => {
    const rsaPublic = publicOf(A2_JWK);
    const spkiAsSecret = createSecretKey(rsaPublic.export({ type: 'spki', format: 'der' }));
    const input = `${A1.header}.${RFC7515_PAYLOAD}`;
    const forged = signJws('HS256', input, spkiAsSecret);
    expect(verifyJws('HS256', input, forged, rsaPublic)).toBe(false);
    expect(verifyJws('RS256', `${A2.header}.${RFC7515_PAYLOAD}`, bytes(A2.signature), A1.key)).toBe(false);
    expect(verifyJws('ES256', input, Buffer.alloc(3), publicOf(A3_JWK))).toBe(false);
  });

  it('the vectors pass the signature step of the codec and are then refused on their claims (exp in 2011, no sub, no aud)', () => {
    const codec = new JwtCodec(
      parseJwtKeySet({ algorithm: 'RS256', keys: [{ kid: 'k', publicKey: publicOf(A2_JWK) }], verifyOnly: true }, 't'),
      ['x'],
    );
    const token = `${A2.header}.${RFC7515_PAYLOAD}.${A2.signature}`;
    expect(codec.keyFor(token)).toBeDefined();
    expect(codec.verify(token)).toBeNull();
  });
});

/** A key set of `algorithm` and the matching jsonwebtoken keys (sign with `signKey`, verify with `verifyKey`). */
function keysFor(algorithm: JwtAlgorithm, name = 'codec') {
  if (algorithm.startsWith('HS')) {
    const secret = randomBytes(64);
    return {
      keySet: parseJwtKeySet({ algorithm, keys: [{ kid: 'k', secret }] }, 't'),
      signKey: secret,
      verifyKey: secret as Buffer | KeyObject,
    };
  }
  const pair = testKeyPair(algorithm as 'RS256' | 'ES256', name);
  return {
    keySet: parseJwtKeySet({ algorithm, keys: [{ kid: 'k', privateKey: pair.privateKey }] }, 't'),
    signKey: pair.privateKey,
    verifyKey: pair.publicKey,
  };
}

describe.each(['HS256', 'HS384', 'HS512', 'RS256', 'ES256'] as const)('cross-check with jsonwebtoken, %s', (algorithm) => {
  const audience = ['nest-users:auth:jwt'];

  it('tokens signed by the codec verify in jsonwebtoken, with the same claims', () => {
    const { keySet, verifyKey } = keysFor(algorithm);
    const token = new JwtCodec(keySet, audience).sign({ sub: 'alice', pfp: 'x' }, 60);
    const { header, payload } = jsonwebtoken.verify(token, verifyKey, {
      algorithms: [algorithm as Algorithm],
      audience: audience[0],
      complete: true,
    });
    expect(header).toEqual({ alg: algorithm, typ: 'JWT', kid: 'k' });
    expect(payload).toMatchObject({ sub: 'alice', aud: audience[0], pfp: 'x' });
  });

  it('tokens signed by jsonwebtoken verify in the codec, with the same claims', () => {
    const { keySet, signKey } = keysFor(algorithm);
    const token = jsonwebtoken.sign({ sub: 'alice', aud: audience[0], pfp: 'x' }, signKey, {
      algorithm: algorithm as Algorithm,
      expiresIn: 60,
      keyid: 'k',
    });
    expect(new JwtCodec(keySet, audience).verify(token)).toMatchObject({
      kid: 'k',
      claims: { sub: 'alice', aud: audience[0], pfp: 'x' },
    });
  });

  it('both refuse a token of another key, another audience, or expired', () => {
    const { keySet, verifyKey } = keysFor(algorithm);
    const codec = new JwtCodec(keySet, audience);
    const other = new JwtCodec(keysFor(algorithm, 'other').keySet, audience);
    const tokens = [
      other.sign({ sub: 'a' }, 60),
      new JwtCodec(keySet, ['elsewhere']).sign({ sub: 'a' }, 60),
      codec.sign({ sub: 'a' }, -1),
    ];
    for (const token of tokens) {
      expect(codec.verify(token)).toBeNull();
      expect(() =>
        jsonwebtoken.verify(token, verifyKey, { algorithms: [algorithm as Algorithm], audience: audience[0] }),
      ).toThrow();
    }
  });
});
