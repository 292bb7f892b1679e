import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import type { INestApplication } from '@nestjs/common';

/**
 * Listens on 127.0.0.1 (port `PORT`, 0 = any free one), prints `READY <port>` for the runner, closes on SIGTERM.
 * With `CPU_PROFILE=<prefix>`, SIGUSR2 starts the V8 sampling profiler and the next SIGUSR2 writes the profile to
 * `<prefix>-<n>.cpuprofile` and prints `PROFILED <file>`, so a profile covers a measured load only (not startup or
 * warm-up). SIGHUP prints `MEMORY <n> <process.memoryUsage() as JSON>`, after a full GC under --expose-gc.
 */
export async function serve(app: INestApplication): Promise<void> {
  await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  process.stdout.write(`READY ${address.port}\n`);

  let closing = false;
  process.on('SIGTERM', () => {
    if (closing) return;
    closing = true;
    app.close().finally(() => process.exit(0));
  });

  // SIGHUP: a full GC when the runner started us with --expose-gc, then the heap figures (a leak check).
  let memoryReports = 0;
  process.on('SIGHUP', () => {
    (globalThis as { gc?: () => void }).gc?.();
    process.stdout.write(`MEMORY ${++memoryReports} ${JSON.stringify(process.memoryUsage())}\n`);
  });

  const profilePrefix = process.env.CPU_PROFILE;
  if (profilePrefix) {
    let count = 0;
    const session = new Session();
    session.connect();
    let running = false;
    process.on('SIGUSR2', () => {
      if (!running) {
        running = true;
        session.post('Profiler.setSamplingInterval', { interval: Number(process.env.CPU_PROFILE_INTERVAL_US ?? 250) }, () =>
          session.post('Profiler.enable', () =>
            session.post('Profiler.start', () => process.stdout.write(`PROFILING ${count + 1}\n`)),
          ),
        );
        return;
      }
      running = false;
      session.post('Profiler.stop', (error, result) => {
        const file = `${profilePrefix}-${++count}.cpuprofile`;
        if (!error) writeFileSync(file, JSON.stringify(result.profile));
        process.stdout.write(error ? `PROFILE-ERROR ${error.message}\n` : `PROFILED ${file}\n`);
      });
    });
  }
}
