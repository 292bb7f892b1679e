import { Authenticated, CurrentUser, Public } from '@nest-users/core';
import { Field, ID, Mutation, ObjectType, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { User } from '../fixtures/user.entity.js';

@ObjectType('Account')
export class AccountObject {
  @Field(() => ID)
  id!: string;

  @Field()
  email!: string;

  @Field()
  isVerified!: boolean;

  @Field()
  isSuperuser!: boolean;
}

/** One query per rule of the HTTP guard suite, and a field only superusers may read. */
@Resolver(() => AccountObject)
export class AccountResolver {
  @Query(() => AccountObject)
  @Authenticated()
  me(@CurrentUser() user: User) {
    return user;
  }

  @Query(() => AccountObject, { nullable: true })
  // `override`: under the global guard an `optional` resolver is a relaxation, refused at startup without it.
  @Authenticated({ optional: true, override: true })
  maybeMe(@CurrentUser() user: User | null) {
    return user;
  }

  @Query(() => AccountObject, { nullable: true })
  @Authenticated({ optional: true, verified: true, override: true })
  maybeVerifiedMe(@CurrentUser() user: User | null) {
    return user;
  }

  @Query(() => String)
  @Authenticated({ verified: true })
  verifiedEmail(@CurrentUser('email') email: string) {
    return email;
  }

  @Query(() => String)
  @Authenticated({ superuser: true })
  adminEmail(@CurrentUser('email') email: string) {
    return email;
  }

  @Query(() => String)
  @Authenticated({ backends: ['mobile'] })
  mobileEmail(@CurrentUser('email') email: string) {
    return email;
  }

  @Query(() => String)
  @Authenticated({ backends: ['session'] })
  sessionEmail(@CurrentUser('email') email: string) {
    return email;
  }

  @Query(() => String)
  @Authenticated({ active: false, override: true })
  anyAccountEmail(@CurrentUser('email') email: string) {
    return email;
  }

  @Mutation(() => String)
  @Authenticated({ backends: ['cookie'] })
  touch(@CurrentUser('email') email: string) {
    return `touched by ${email}`;
  }

  @Query(() => String)
  hello() {
    return 'hello';
  }

  @Query(() => String)
  @Public()
  open() {
    return 'open';
  }

  @ResolveField(() => String, { nullable: true })
  @Authenticated({ superuser: true })
  auditNote(@CurrentUser('email') email: string) {
    return `read by ${email}`;
  }
}

/** A resolver class protected as a whole, with one public query. */
@Resolver()
@Authenticated({ superuser: true })
export class AdminResolver {
  @Query(() => [String])
  adminReport(@CurrentUser('email') email: string) {
    return ['report', email];
  }

  @Query(() => String)
  @Public()
  status() {
    return 'up';
  }
}
