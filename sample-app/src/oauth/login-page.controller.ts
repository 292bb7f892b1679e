import { Public } from '@nest-users/core';
import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';

const PAGE = (title: string, script: string) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${title}</title></head>
<body>
<main>
<h1>${title}</h1>
<button id="oidc-login" type="button">Log in with OpenID Connect</button>
<p id="status" role="status"></p>
</main>
<script>${script}</script>
</body>
</html>`;

/** Starts the flow: the library answers the provider's URL, and sets the cookie that binds the flow to this browser. */
const LOGIN_SCRIPT = `
document.getElementById('oidc-login').addEventListener('click', async () => {
  const response = await fetch('/auth/oidc/authorize', { credentials: 'same-origin' });
  const body = await response.json();
  if (!response.ok) return (document.getElementById('status').textContent = 'Error: ' + JSON.stringify(body.detail));
  location.assign(body.authorization_url);
});`;

/** Where the provider sends the browser back: hands the query to the callback route, then shows who is logged in. */
const CALLBACK_SCRIPT = `
(async () => {
  const status = document.getElementById('status');
  const callback = await fetch('/auth/oidc/callback' + location.search, { credentials: 'same-origin' });
  if (!callback.ok) return (status.textContent = 'Error: ' + JSON.stringify((await callback.json()).detail));
  const me = await fetch('/users/me', { credentials: 'same-origin' });
  status.textContent = me.ok ? 'Logged in as ' + (await me.json()).email : 'Not logged in';
  history.replaceState(null, '', '/login/callback');
})();`;

/**
 * A minimal browser front end for the sample's OpenID Connect provider (`OIDC_ISSUER`): `/login` has the button,
 * `/login/callback` is the redirect URL registered with the provider (a page of the app that passes the query on to
 * `GET /auth/oidc/callback`, which logs in through the `cookie` backend).
 */
@ApiExcludeController()
@Public()
@Controller('login')
export class LoginPageController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  login(): string {
    return PAGE('nest-users sample: log in', LOGIN_SCRIPT);
  }

  @Get('callback')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  callback(): string {
    return PAGE('nest-users sample: logging in', CALLBACK_SCRIPT);
  }
}
