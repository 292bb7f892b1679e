import { Authenticated, CurrentUser, Public, type UserProtocol } from '@nest-users/core';
import { Field, ID, ObjectType, Query, ResolveField, Resolver } from '@nestjs/graphql';

type User = UserProtocol<string>;

@ObjectType('Account')
export class AccountObject {
  @Field(() => ID)
  id!: string;

  @Field()
  email!: string;
}

@Resolver(() => AccountObject)
@Authenticated() // every query of this resolver: an active user, else UNAUTHENTICATED
export class AccountResolver {
  @Query(() => AccountObject)
  me(@CurrentUser() user: User) {
    return user;
  }

  @Query(() => AccountObject, { nullable: true })
  @Authenticated({ optional: true, override: true }) // null for anonymous callers instead of an error
  maybeMe(@CurrentUser() user: User | null) {
    return user;
  }

  @ResolveField(() => String, { nullable: true })
  @Authenticated({ superuser: true }) // FORBIDDEN for other users; the rest of `me` is still answered
  auditNote(@CurrentUser('email') email: string) {
    return `read by ${email}`;
  }

  @Query(() => String)
  @Public()
  version() {
    return '1.0';
  }
}
