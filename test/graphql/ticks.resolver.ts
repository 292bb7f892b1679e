import { setTimeout as sleep } from 'node:timers/promises';
import { Authenticated, CurrentUser } from '@nest-users/core';
import { Query, Resolver, Subscription } from '@nestjs/graphql';

/** A subscription that sends its subscriber's email every 100 ms, for as long as it runs. */
@Resolver()
export class TicksResolver {
  @Query(() => String)
  @Authenticated()
  ping() {
    return 'pong';
  }

  @Subscription(() => String)
  @Authenticated()
  ticks(@CurrentUser('email') email: string) {
    return (async function* () {
      for (;;) {
        yield { ticks: email };
        await sleep(100);
      }
    })();
  }

  @Subscription(() => String)
  @Authenticated({ superuser: true })
  adminTicks(@CurrentUser('email') email: string) {
    return (async function* () {
      yield { adminTicks: email };
    })();
  }
}
