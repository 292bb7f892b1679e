import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';

/**
 * Work that must not delay or shape an HTTP answer (forgot-password and request-verify-token answer 202 at once, so
 * neither their timing nor a failing hook reveals whether an email exists). Failures are logged, never rethrown;
 * shutdown waits for what is running.
 * @publicApi
 */
@Injectable()
export class BackgroundTasks implements OnApplicationShutdown {
  private readonly logger = new Logger('UsersAuth');
  private readonly running = new Set<Promise<void>>();

  run(name: string, task: () => Promise<unknown>): void {
    const promise: Promise<void> = Promise.resolve()
      .then(task)
      .then(
        () => undefined,
        (error: unknown) => this.logger.error(`${name} failed: ${error instanceof Error ? error.message : String(error)}`),
      )
      .finally(() => this.running.delete(promise));
    this.running.add(promise);
  }

  /** Resolves when every task started so far has settled. */
  async drain(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.drain();
  }
}
