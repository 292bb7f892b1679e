import { Authenticated, CurrentUser, Public, type UserProtocol } from '@nest-users/core';
import { Controller, Get, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';

type User = UserProtocol<string>;

@Controller('notes')
@Authenticated() // every handler: a user who is active; 401 otherwise
export class NotesController {
  @Get()
  list(@CurrentUser() user: User) {
    return { owner: user.email, notes: [] };
  }

  @Get('email')
  email(@CurrentUser('email') email: string) {
    return { email };
  }

  @Get('verified')
  @Authenticated({ verified: true }) // adds to the class's requirements: unverified users get 403
  verified(@CurrentUser() user: User) {
    return { id: user.id };
  }

  @Get('admin')
  @Authenticated({ superuser: true }) // non-superusers get 403
  admin() {
    return { secret: 42 };
  }

  @Get('jwt-only')
  @Authenticated({ backends: ['jwt'] }) // only the jwt backend may authenticate this route
  jwtOnly(@CurrentUser() user: User) {
    return { id: user.id };
  }
}

@Controller('feed')
export class FeedController {
  @Get()
  @Authenticated({ optional: true }) // anonymous callers get null instead of 401
  feed(@CurrentUser() user: User | null) {
    return { personalized: user !== null };
  }

  @Get('passport')
  @UseGuards(AuthGuard('users-auth:jwt')) // @nestjs/passport's guard, with @Authenticated()'s default rules
  passport(@CurrentUser() user: User) {
    return { id: user.id };
  }
}

@Controller('health')
export class HealthController {
  @Get()
  @Public() // only meaningful under the global guard (globalGuard: true)
  health() {
    return { status: 'ok' };
  }
}
