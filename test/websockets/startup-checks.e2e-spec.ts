import { Authenticated, CurrentUser, Public, UsersAuthConfigurationError } from '@nest-users/core';
import type { Type } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { describe, expect, it } from 'vitest';
import { testRedisAvailable } from '@nest-users/testing/redis';
import { createRealtimeApp } from '../graphql/realtime-app.js';
import { AccountGateway, PlainGateway } from './account.gateway.js';

const redisUp = testRedisAvailable('gateway startup checks');

/** Boots an app (socket.io) with `gateways`; the error its startup fails with, or `undefined`. */
async function startup(gateways: Type<unknown>[], globalGuard?: boolean) {
  return createRealtimeApp({ providers: gateways, globalGuard }).then(
    async (t) => {
      await t.close();
      return undefined;
    },
    (error: unknown) => error as Error,
  );
}

async function startupError(gateways: Type<unknown>[], globalGuard?: boolean) {
  const error = await startup(gateways, globalGuard);
  expect(error).toBeInstanceOf(UsersAuthConfigurationError);
  return error!.message;
}

describe.runIf(redisUp)('@CurrentUser() on gateway message handlers is checked at startup', () => {
  it('fails on a message handler no guard authenticates, naming the gateway and the method', async () => {
    @WebSocketGateway({ namespace: 'naked' })
    class NakedGateway {
      @SubscribeMessage('whoami')
      whoami(@CurrentUser('email') email: string) {
        return { event: 'whoami', data: email };
      }
    }
    expect(await startupError([NakedGateway])).toMatch(
      /^@CurrentUser\(\) on NakedGateway\.whoami, which no guard authenticates: add @Authenticated\(\) to it or its gateway\.$/,
    );
    // The same gateway under the global guard is authenticated: it starts.
    expect(await startup([NakedGateway], true)).toBeUndefined();
  });

  it('fails on a @Public() message handler, even under the global guard', async () => {
    @WebSocketGateway({ namespace: 'public' })
    class PublicGateway {
      @SubscribeMessage('whoami')
      @Public()
      whoami(@CurrentUser('email') email: string) {
        return { event: 'whoami', data: email };
      }
    }
    expect(await startupError([PublicGateway], true)).toMatch(/@CurrentUser\(\) on PublicGateway\.whoami, which is @Public\(\)/);
  });

  it('starts with guarded gateways and optional handlers', async () => {
    @WebSocketGateway({ namespace: 'optional' })
    class OptionalGateway {
      @SubscribeMessage('whoami')
      @Authenticated({ optional: true })
      whoami(@CurrentUser('email') email: string | null) {
        return { event: 'whoami', data: email };
      }
    }
    expect(await startup([AccountGateway, OptionalGateway])).toBeUndefined();
    expect(await startup([PlainGateway])).toBeInstanceOf(UsersAuthConfigurationError);
    expect(await startup([PlainGateway], true)).toBeUndefined();
  });
});
