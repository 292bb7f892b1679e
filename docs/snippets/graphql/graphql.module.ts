import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import type { Request } from 'express';

export const graphql = GraphQLModule.forRoot<ApolloDriverConfig>({
  driver: ApolloDriver,
  autoSchemaFile: true,
  // The guard reads the tokens (Authorization header, cookie) from the context's `req`.
  context: ({ req }: { req: Request }) => ({ req }),
  // Runs guards on @ResolveField() methods too (Nest leaves them out by default).
  fieldResolverEnhancers: ['guards'],
});
