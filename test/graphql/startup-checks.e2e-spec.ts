import { Authenticated, CurrentUser, Public, UsersAuthConfigurationError, type AuthenticatedOptions } from '@nest-users/core';
import type { Type } from '@nestjs/common';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Field, GraphQLModule, ObjectType, Query, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { testRedisAvailable } from '@nest-users/testing/redis';
import type { User } from '../fixtures/user.entity.js';
import { createRealtimeApp } from './realtime-app.js';

const redisUp = testRedisAvailable('graphql startup checks');

const graphql = (fieldGuards = true) =>
  GraphQLModule.forRoot<ApolloDriverConfig>({
    driver: ApolloDriver,
    autoSchemaFile: true,
    fieldResolverEnhancers: fieldGuards ? ['guards'] : [],
    context: ({ req }: { req: unknown }) => ({ req }),
  });

@ObjectType()
class Note {
  @Field()
  text!: string;
}

/** Boots a GraphQL app (Apollo, Express) with `resolvers`; the error its startup fails with, or `undefined`. */
async function startup(resolvers: Type<unknown>[], globalGuard?: boolean | AuthenticatedOptions, fieldGuards = true) {
  return createRealtimeApp({ imports: [graphql(fieldGuards)], providers: resolvers, globalGuard }).then(
    async (t) => {
      // Started: it answers, so the check did not merely skip the app.
      const response = await request(t.server as never)
        .post('/graphql')
        .send({ query: '{ __typename }' });
      expect(response.body).toEqual({ data: { __typename: 'Query' } });
      await t.close();
      return undefined;
    },
    (error: unknown) => error as Error,
  );
}

async function startupError(resolvers: Type<unknown>[], globalGuard?: boolean, fieldGuards = true) {
  const error = await startup(resolvers, globalGuard, fieldGuards);
  expect(error).toBeInstanceOf(UsersAuthConfigurationError);
  return error!.message;
}

describe.runIf(redisUp)('@CurrentUser() on GraphQL resolvers is checked at startup', () => {
  it('fails on a query no guard authenticates, naming the resolver and the method', async () => {
    @Resolver()
    class NakedResolver {
      @Query(() => String)
      nakedEmail(@CurrentUser('email') email: string) {
        return email;
      }
    }
    expect(await startupError([NakedResolver])).toMatch(
      /^@CurrentUser\(\) on NakedResolver\.nakedEmail, which no guard authenticates: add @Authenticated\(\) to it or its resolver\.$/,
    );
  });

  it('fails on an unguarded subscription and field resolver as well', async () => {
    @Resolver()
    class GuardedQueries {
      @Query(() => String)
      @Authenticated()
      guarded(@CurrentUser('email') email: string) {
        return email;
      }

      @Subscription(() => String)
      nakedTicks(@CurrentUser('email') email: string) {
        return (async function* () {
          yield { nakedTicks: email };
        })();
      }
    }
    expect(await startupError([GuardedQueries])).toMatch(/@CurrentUser\(\) on GuardedQueries\.nakedTicks, which no guard/);

    @Resolver(() => Note)
    class NakedField {
      @Query(() => Note)
      @Public()
      note() {
        return { text: 'hello' };
      }

      @ResolveField(() => String)
      author(@CurrentUser() user: User) {
        return user.email;
      }
    }
    expect(await startupError([NakedField])).toMatch(/@CurrentUser\(\) on NakedField\.author, which no guard/);
  });

  it('fails on a @Public() resolver, even under the global guard', async () => {
    @Resolver()
    class PublicUser {
      @Query(() => String)
      @Public()
      open(@CurrentUser('email') email: string) {
        return email;
      }
    }
    expect(await startupError([PublicUser], true)).toMatch(/@CurrentUser\(\) on PublicUser\.open, which is @Public\(\)/);
  });

  it('fails on a guarded field resolver when GraphQL runs no guards on field resolvers', async () => {
    @Resolver(() => Note)
    @Authenticated()
    class GuardedField {
      @Query(() => Note)
      note() {
        return { text: 'hello' };
      }

      @ResolveField(() => String)
      author(@CurrentUser('email') email: string) {
        return email;
      }
    }
    expect(await startupError([GuardedField], false, false)).toMatch(
      /@CurrentUser\(\) on the field resolver GuardedField\.author, but no guard runs on field resolvers/,
    );
    expect(await startupError([GuardedField], true, false)).toMatch(/GuardedField\.author, but no guard runs/);
    expect(await startup([GuardedField])).toBeUndefined();
  });

  it("refuses a resolver's relaxation of the global guard at startup, as a controller's", async () => {
    @Resolver()
    class Relaxing {
      @Query(() => String, { nullable: true })
      @Authenticated({ optional: true })
      maybeEmail(@CurrentUser('email') email: string | null) {
        return email;
      }
    }
    expect(await startupError([Relaxing], true)).toMatch(/"optional: true" would relax Relaxing\.maybeEmail/);
  });

  it('starts with guarded resolvers, optional ones, and unguarded ones under the global guard', async () => {
    @Resolver()
    @Authenticated()
    class GuardedClass {
      @Query(() => String)
      classEmail(@CurrentUser('email') email: string) {
        return email;
      }
    }
    @Resolver()
    class OptionalOne {
      @Query(() => String, { nullable: true })
      @Authenticated({ optional: true })
      maybeEmail(@CurrentUser('email') email: string | null) {
        return email;
      }
    }
    @Resolver()
    class PlainResolver {
      @Query(() => String)
      plainEmail(@CurrentUser('email') email: string) {
        return email;
      }
    }
    expect(await startup([GuardedClass, OptionalOne])).toBeUndefined();
    expect(await startup([PlainResolver], true)).toBeUndefined();
  });
});
