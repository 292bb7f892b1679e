import { UsersAuthGuard } from '@nest-users/core';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';

export const graphqlWithSubscriptions = GraphQLModule.forRootAsync<ApolloDriverConfig>({
  driver: ApolloDriver,
  inject: [UsersAuthGuard], // UsersAuthModule is global: its guard can be injected here
  useFactory: (guard: UsersAuthGuard) => ({
    autoSchemaFile: true,
    // HTTP operations bring `req`; graphql-ws operations bring `connectionParams` and `extra` (the upgrade request).
    context: ({ req, connectionParams, extra }: Record<string, unknown>) => ({ req, connectionParams, extra }),
    subscriptions: {
      'graphql-ws': {
        // Checks the connection at connect, then its token every 60 s: a revoked or expired one closes it (4401).
        onConnect: guard.graphqlWsOnConnect({ recheckSeconds: 60 }),
      },
    },
  }),
});
