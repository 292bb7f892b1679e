import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleAppDatabase, type SampleAppDatabase } from '../fixtures/sample-app-database.js';
import { createSampleApp } from '../fixtures/sample-app.js';
import { auditSchemas } from './schema-audit.js';

/**
 * What a front-end team does with the sample's `/docs-json`: generate types with openapi-typescript, write a client
 * with openapi-fetch under `strict`, compile it, run it. The flow must compile (custom field included), wrong
 * bodies must not, and the compiled flow must work against the running app.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PASSWORD = 'correct horse battery staple';

/** The client code a front end would write; compiled under strict, then run as is. */
const FLOW = `
import createClient from 'openapi-fetch';
import type { paths } from './api.js';

export async function flow(baseUrl: string, email: string, password: string) {
  const client = createClient<paths>({ baseUrl });
  const registered = await client.POST('/auth/register', { body: { email, password, displayName: null } });
  if (!registered.data) throw new Error('register: ' + registered.response.status);
  // The OAuth2 password form, as Swagger UI posts it; scope, grant_type and the client credentials are optional.
  const login = await client.POST('/auth/jwt/login', {
    body: { username: email, password },
    bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  if (!login.data) throw new Error('login: ' + login.response.status);
  const token: string = login.data.access_token;
  const auth = { headers: { Authorization: 'Bearer ' + token } };
  const me = await client.GET('/users/me', auth);
  if (!me.data) throw new Error('me: ' + me.response.status);
  const before: string | null | undefined = me.data.displayName;
  const id: string = me.data.id;
  const verified: boolean = me.data.isVerified;
  const patched = await client.PATCH('/users/me', { ...auth, body: { displayName: 'Ada' } });
  if (!patched.data) throw new Error('patch: ' + patched.response.status);
  const after: string | null | undefined = patched.data.displayName;
  const refused = await client.PATCH('/users/me', { ...auth, body: { email: 'not an email' } });
  const detail = refused.error?.detail;
  return { registered: registered.data.email, tokenType: login.data.token_type, id, verified, before, after, status: refused.response.status, detail };
}
`;

/** Each must fail to compile: the generated types are specific, not `any`/`object`. */
const WRONG: Record<string, string> = {
  'displayName is a string, not a number': `client.PATCH('/users/me', { body: { displayName: 42 } });`,
  'displayName is not an object': `client.PATCH('/users/me', { body: { displayName: { first: 'Ada' } } });`,
  'register needs a password': `client.POST('/auth/register', { body: { email: 'a@example.com' } });`,
  'login needs a username': `client.POST('/auth/jwt/login', { body: { password: 'x' } });`,
  'a user read is not a number': `client.GET('/users/me').then(({ data }) => { const n: number | undefined = data?.displayName; return n; });`,
  'isActive is a boolean': `client.GET('/users/me').then(({ data }) => { const s: string | undefined = data?.isActive; return s; });`,
  'no such route': `client.GET('/users/everyone');`,
};

function compile(dir: string, files: string[]): Map<string, string[]> {
  const program = ts.createProgram(
    files.map((file) => join(dir, file)),
    {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: [],
      skipLibCheck: true,
    },
  );
  const errors = new Map<string, string[]>(files.map((file) => [file, []]));
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const file = diagnostic.file ? diagnostic.file.fileName.slice(dir.length + 1) : '(global)';
    const list = errors.get(file) ?? [];
    list.push(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    errors.set(file, list);
  }
  return errors;
}

describe("a client generated from the sample app's /docs-json (openapi-typescript + openapi-fetch, strict)", () => {
  let database: SampleAppDatabase;
  let app: INestApplication;
  let baseUrl: string;
  let document: OpenAPIObject;
  let dir: string;

  beforeAll(async () => {
    database = await createSampleAppDatabase('sqlite');
    app = await createSampleApp({
      databaseUrl: database.databaseUrl,
      jwtSecret: randomBytes(32).toString('base64url'),
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    document = (await (await fetch(`${baseUrl}/docs-json`)).json()) as OpenAPIObject;

    dir = mkdtempSync(join(tmpdir(), 'nest-users-codegen-'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(dir, 'api.d.ts'), astToString(await openapiTS(document as never)));
    writeFileSync(join(dir, 'flow.ts'), FLOW);
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('documents every schema with types a generator can name, required lists and nullable fields', () => {
    const problems = auditSchemas(document, {
      required: {
        // fastapi's OAuth2PasswordRequestForm: username and password required; scope, grant_type, client_* not.
        LoginDto: ['username', 'password'],
        SampleUserCreateDto: ['email', 'password'],
        SampleUserUpdateDto: [],
        SampleUserAdminUpdateDto: [],
        SampleUserReadDto: ['id', 'email', 'isActive', 'isSuperuser', 'isVerified'],
        ErrorDto: ['statusCode', 'detail'],
      },
      nullable: {
        SampleUserCreateDto: { displayName: 'string' },
        SampleUserUpdateDto: { displayName: 'string' },
        SampleUserAdminUpdateDto: { displayName: 'string' },
        SampleUserReadDto: { displayName: 'string' },
      },
    });
    expect(problems).toEqual([]);
  });

  it('catches the bare object a `string | null` property reflects to, and a defaulted optional field', () => {
    const broken = structuredClone(document);
    const schemas = broken.components!.schemas! as Record<string, { properties: Record<string, object> }>;
    schemas.SampleUserUpdateDto!.properties.displayName = { type: 'object', nullable: true, maxLength: 100 };
    schemas.LoginDto!.properties.scope = { type: 'string', default: '' };
    expect(auditSchemas(broken)).toEqual([
      'LoginDto.scope is optional with a default',
      'SampleUserUpdateDto.displayName is a bare object',
    ]);
  });

  it('compiles the typed register → login → me → patch flow, and refuses wrong bodies and fields', () => {
    const prelude = `import createClient from 'openapi-fetch';\nimport type { paths } from './api.js';\nconst client = createClient<paths>({ baseUrl: '' });\n`;
    const wrong = Object.entries(WRONG).map(([, line], index) => {
      const file = `wrong-${index}.ts`;
      writeFileSync(join(dir, file), `${prelude}${line}\nexport {};\n`);
      return file;
    });

    const errors = compile(dir, ['flow.ts', ...wrong]);

    expect(errors.get('flow.ts')).toEqual([]);
    expect(errors.get('(global)') ?? []).toEqual([]);
    Object.keys(WRONG).forEach((label, index) => {
      // Type errors about the value, not a broken setup (an unresolved import would fail every file alike).
      const messages = errors.get(`wrong-${index}.ts`)!;
      expect(messages.length, label).toBeGreaterThan(0);
      expect(messages.join('\n'), label).not.toMatch(/Cannot find module/);
    });
  });

  it('runs that same flow against the app', async () => {
    const { outputText } = ts.transpileModule(FLOW, {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(dir, 'flow.js'), outputText);
    const { flow } = (await import(pathToFileURL(join(dir, 'flow.js')).href)) as {
      flow(baseUrl: string, email: string, password: string): Promise<Record<string, unknown>>;
    };
    const email = `codegen-${randomBytes(3).toString('hex')}@example.com`;

    const result = await flow(baseUrl, email, PASSWORD);

    expect(result).toEqual({
      registered: email,
      tokenType: 'bearer',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      verified: false,
      before: null,
      after: 'Ada',
      status: 422,
      detail: [{ loc: ['body', 'email'], msg: expect.any(String), type: expect.any(String) }],
    });
  });
});
