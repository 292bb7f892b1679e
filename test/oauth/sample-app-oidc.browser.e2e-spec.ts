import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleApp } from '../fixtures/sample-app.js';
import { createSampleAppDatabase } from '../fixtures/sample-app-database.js';
import { startOidcProvider, type TestOidcProvider } from './oidc-provider.fixture.js';

/**
 * The sample's OpenID Connect login in a real browser (Chromium through playwright-core, launched as in
 * test/browser/swagger-ui.e2e-spec.ts): a click on "Log in with OpenID Connect" at /login, the provider's login and
 * consent screens, and back at the app, logged in through the cookie backend.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
  '--disable-quic',
];
const skip = !existsSync(CHROMIUM) && !process.env.CI;
if (skip) console.warn(`[sample-app-oidc.browser] skipped: ${CHROMIUM} is missing (apt-get install -y chromium).`);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.skipIf(skip)('the sample app: log in with OpenID Connect in a real browser', () => {
  let idp: TestOidcProvider;
  let app: INestApplication;
  let drop: () => Promise<void>;
  let baseUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    // 127.0.0.1 is a secure context for the browser, so the Secure, __Host- cookies are kept over http.
    baseUrl = `http://127.0.0.1:${port}`;
    const client = { clientId: 'sample-browser', clientSecret: randomBytes(24).toString('hex') };
    idp = await startOidcProvider([{ ...client, redirectUris: [`${baseUrl}/login/callback`] }]);
    const database = await createSampleAppDatabase('sqlite');
    drop = database.drop;
    app = await createSampleApp({
      databaseUrl: database.databaseUrl,
      jwtSecret: randomBytes(32).toString('base64url'),
      logger: false,
      env: {
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: client.clientId,
        OIDC_CLIENT_SECRET: client.clientSecret,
        PUBLIC_URL: baseUrl,
      },
    });
    await app.listen(port, '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
    await drop?.();
  });

  it('a click on the login button ends logged in', async () => {
    idp.accounts.set('browser-person', { email: 'browser.person@example.com', emailVerified: true });
    const profile = mkdtempSync(join(tmpdir(), 'nest-users-chromium-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      context.setDefaultTimeout(15_000);
      // Only the app and the provider: nothing leaves the machine.
      await context.route(
        (url) => !url.href.startsWith(baseUrl) && !url.href.startsWith(idp.issuer),
        (route) => route.abort(),
      );
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`${baseUrl}/login`);
      await page.click('#oidc-login');
      await page.waitForURL((url) => url.href.startsWith(idp.issuer));
      await page.fill('#login', 'browser-person');
      await page.click('#sign-in');
      await page.click('#allow');
      await page.waitForURL(`${baseUrl}/login/callback`);
      await expect.poll(() => page.textContent('#status')).toBe('Logged in as browser.person@example.com');
      // The session is the cookie backend's HttpOnly cookie: the browser sends it, scripts cannot read it.
      const cookies = await context.cookies(baseUrl);
      expect(cookies.find((cookie) => cookie.name === '__Host-nest-users-auth')).toMatchObject({ httpOnly: true, secure: true });
      expect(await page.evaluate('document.cookie')).toBe('');
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
