import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Rewrites a token endpoint answer (JSON) before it reaches the client. */
export type TokenResponseEditor = (body: Record<string, unknown>) => Promise<Record<string, unknown>>;

/**
 * A man in the middle between the app and a real provider: forwards every request to `target` as is (same path,
 * method, headers, body; the `Host` header kept, so the provider builds its URLs for the relay's origin), and lets a
 * test rewrite the token endpoint's answer (`POST /token`), e.g. to hand the app an ID token for another audience.
 */
export async function startTokenRelay(): Promise<{
  origin: string;
  setTarget(port: number): void;
  editTokenResponse: { current?: TokenResponseEditor };
  close(): Promise<void>;
}> {
  let targetPort = 0;
  const editor: { current?: TokenResponseEditor } = {};
  const server: Server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const upstream = httpRequest(
        { host: '127.0.0.1', port: targetPort, method: incoming.method, path: incoming.url, headers: incoming.headers },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            void (async () => {
              let body = Buffer.concat(parts);
              const headers = { ...answer.headers };
              if (editor.current && incoming.method === 'POST' && incoming.url === '/token' && answer.statusCode === 200) {
                const edited = await editor.current(JSON.parse(body.toString('utf8')) as Record<string, unknown>);
                body = Buffer.from(JSON.stringify(edited));
                headers['content-length'] = String(body.length);
              }
              outgoing.writeHead(answer.statusCode ?? 502, headers);
              outgoing.end(body);
            })().catch((error: unknown) => {
              outgoing.statusCode = 502;
              outgoing.end(String(error));
            });
          });
        },
      );
      upstream.on('error', () => {
        outgoing.statusCode = 502;
        outgoing.end();
      });
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setTarget: (port) => {
      targetPort = port;
    },
    editTokenResponse: editor,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
