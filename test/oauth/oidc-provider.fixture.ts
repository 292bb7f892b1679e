import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

type CryptoKeyLike = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
import Provider, { type Configuration } from 'oidc-provider';
import { startTokenRelay, type TokenResponseEditor } from './token-relay.fixture.js';

/** A person with an account at the test provider. */
export interface ProviderAccount {
  email?: string;
  emailVerified?: boolean;
}

export interface ProviderClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

/** A real OpenID Provider (`oidc-provider`) on loopback, with login and consent driven over HTTP by `signIn`. */
export interface TestOidcProvider {
  issuer: string;
  provider: Provider;
  accounts: Map<string, ProviderAccount>;
  /** The provider's signing key (RS256), so a test can sign what the provider would. */
  signingKey: { privateKey: CryptoKeyLike; kid: string };
  /** Rewrites the next token answers on their way to the app (the provider sits behind a relay); unset passes them. */
  editTokenResponse: { current?: TokenResponseEditor };
  close(): Promise<void>;
}

/**
 * Starts `oidc-provider` on 127.0.0.1 (a free port) with the given clients (confidential, `client_secret_post`, code
 * flow, PKCE S256 required, as every public provider should). Interactions are the provider's own API
 * (`interactionDetails` / `interactionFinished`) behind three small endpoints: `POST /interaction/:uid/login` (form
 * `login=<account id>`), `POST /interaction/:uid/consent` and `POST /interaction/:uid/abort` (the user says no).
 */
export async function startOidcProvider(clients: ProviderClient[]): Promise<TestOidcProvider> {
  const accounts = new Map<string, ProviderAccount>();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // The app reaches the provider through a relay (its origin is the issuer), which passes everything as is unless
  // a test asks it to rewrite a token answer.
  const relay = await startTokenRelay();
  relay.setTarget((server.address() as AddressInfo).port);
  const issuer = relay.origin;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = 'test-key-1';
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  const configuration: Configuration = {
    clients: clients.map(({ clientId, clientSecret, redirectUris }) => ({
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    })),
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['a-test-cookie-key-of-some-length-0123456789'] },
    jwks: { keys: [jwk as never] },
    findAccount: (_ctx, id) => {
      const account = accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          ...(account.email === undefined ? {} : { email: account.email, email_verified: account.emailVerified ?? false }),
        }),
      };
    },
  };
  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const match = /^\/interaction\/([\w-]+)\/(login|consent|abort)$/.exec(request.url ?? '');
    if (request.method === 'POST' && match) {
      void interact(provider, request, response, match[2] as 'login' | 'consent' | 'abort').catch((error: unknown) => {
        response.statusCode = 500;
        response.end(String(error));
      });
      return;
    }
    if (request.method === 'GET' && /^\/interaction\/[\w-]+$/.test(request.url ?? '')) {
      // The interaction page: what a login screen needs to know, as JSON.
      void provider
        .interactionDetails(request, response)
        .then((details) => {
          if (/text\/html/.test(request.headers.accept ?? '')) {
            // A browser: the login or consent screen as a form.
            response.setHeader('content-type', 'text/html; charset=utf-8');
            response.end(interactionPage(details.uid, details.prompt.name));
            return;
          }
          response.setHeader('content-type', 'application/json');
          response.end(JSON.stringify({ uid: details.uid, prompt: details.prompt.name }));
        })
        .catch((error: unknown) => {
          response.statusCode = 400;
          response.end(String(error));
        });
      return;
    }
    callback(request, response);
  });
  return {
    issuer,
    provider,
    accounts,
    signingKey: { privateKey, kid },
    editTokenResponse: relay.editTokenResponse,
    close: async () => {
      await relay.close();
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
    },
  };
}

/** The provider's login or consent screen, for a real browser. */
function interactionPage(uid: string, prompt: string): string {
  const form =
    prompt === 'login'
      ? `<label>Account <input id="login" name="login" autocomplete="off"></label><button id="sign-in" type="submit">Sign in</button>`
      : `<p>Share your email with the app?</p><button id="allow" type="submit">Allow</button>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Test provider: ${prompt}</title></head><body>
<form method="post" action="/interaction/${uid}/${prompt === 'login' ? 'login' : 'consent'}">${form}</form></body></html>`;
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of request) body += String(chunk);
  return new URLSearchParams(body);
}

async function interact(
  provider: Provider,
  request: IncomingMessage,
  response: ServerResponse,
  step: 'login' | 'consent' | 'abort',
): Promise<void> {
  const details = await provider.interactionDetails(request, response);
  const form = await readForm(request);
  if (step === 'abort') {
    await provider.interactionFinished(
      request,
      response,
      { error: 'access_denied', error_description: 'The user said no.' },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  if (step === 'login') {
    if (details.prompt.name !== 'login') throw new Error(`expected the login prompt, got ${details.prompt.name}`);
    await provider.interactionFinished(
      request,
      response,
      { login: { accountId: form.get('login')! } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  if (details.prompt.name !== 'consent') throw new Error(`expected the consent prompt, got ${details.prompt.name}`);
  const grant = new provider.Grant({ accountId: details.session!.accountId, clientId: String(details.params.client_id) });
  grant.addOIDCScope(String(details.params.scope));
  const grantId = await grant.save();
  await provider.interactionFinished(request, response, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

/** A browser's cookies, carried by hand across the provider's redirects. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair!.indexOf('=');
      const name = pair!.slice(0, index).trim();
      const value = pair!.slice(index + 1);
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/**
 * Plays the browser at the provider: opens the authorization URL, logs in as `accountId` and consents (or says no
 * with `deny`), following the provider's redirects with its cookies, and returns where the provider finally sends
 * the browser: the app's redirect URL with `code` and `state` (or `error`).
 */
export async function signIn(authorizationUrl: string, accountId: string, { deny = false } = {}): Promise<URL> {
  const jar = new CookieJar();
  let url = new URL(authorizationUrl);
  const origin = url.origin;
  let method: 'GET' | 'POST' = 'GET';
  let body: string | undefined;
  for (let hop = 0; hop < 20; hop++) {
    const response = await fetch(url, {
      method,
      redirect: 'manual',
      headers: { cookie: jar.header(), ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }) },
      body,
    });
    jar.store(response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, url);
      if (next.origin !== origin) return next;
      url = next;
      method = 'GET';
      body = undefined;
      continue;
    }
    const interaction = /^\/interaction\/([\w-]+)$/.exec(url.pathname);
    if (!interaction || response.status !== 200) {
      throw new Error(`the provider answered ${response.status} at ${url.pathname}: ${await response.text()}`);
    }
    const { prompt } = (await response.json()) as { prompt: 'login' | 'consent' };
    const step = deny ? 'abort' : prompt;
    url = new URL(`/interaction/${interaction[1]}/${step}`, origin);
    method = 'POST';
    body = step === 'login' ? new URLSearchParams({ login: accountId }).toString() : '';
  }
  throw new Error('too many redirects at the provider');
}
