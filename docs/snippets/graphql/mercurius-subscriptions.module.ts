import { UsersAuthGuard } from '@nest-users/core';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';

export const mercuriusWithSubscriptions = GraphQLModule.forRootAsync<MercuriusDriverConfig>({
  driver: MercuriusDriver,
  inject: [UsersAuthGuard],
  useFactory: (guard: UsersAuthGuard) => ({
    autoSchemaFile: true,
    // Mercurius's own subscription server: its onConnect checks the connection, then its token every 60 s.
    subscription: { ...guard.mercuriusSubscription({ recheckSeconds: 60 }) },
  }),
});
