/**
 * The baseline: the NestJS docs' passport-jwt recipe as people write it (https://docs.nestjs.com/recipes/passport):
 * `PassportStrategy(Strategy)` with a *string* `secretOrKey`, `validate` returning the payload (no database read),
 * `AuthGuard('jwt')`. Express.
 *
 * env: PORT (0), JWT_SECRET. `POST /auth/login` hands out a token (signed as the recipe's `JwtService` would:
 * `{username, sub}`, HS256); signing is not what is measured.
 */
import 'reflect-metadata';
import { Controller, Get, Injectable, Module, Post, Request, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import jsonwebtoken from 'jsonwebtoken';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { serve } from './serve.js';

const jwtConstants = { secret: process.env.JWT_SECRET! };
if (!jwtConstants.secret) throw new Error('JWT_SECRET is required');

@Injectable()
class JwtStrategy extends PassportStrategy(Strategy) {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      ignoreExpiration: false,
      secretOrKey: jwtConstants.secret,
    });
  }

  async validate(payload: { sub: string; username: string }) {
    return { userId: payload.sub, username: payload.username };
  }
}

@Injectable()
class JwtAuthGuard extends AuthGuard('jwt') {}

@Controller()
class RecipeController {
  @Get('public')
  public() {
    return { ok: true };
  }

  @UseGuards(JwtAuthGuard)
  @Get('protected')
  getProfile(@Request() req: { user: unknown }) {
    return req.user;
  }

  @Post('auth/login')
  login() {
    const payload = { username: 'bench@example.com', sub: '00000000-0000-4000-8000-000000000001' };
    return { access_token: jsonwebtoken.sign(payload, jwtConstants.secret, { expiresIn: 3600 }) };
  }
}

@Module({ imports: [PassportModule], providers: [JwtStrategy], controllers: [RecipeController] })
class RecipeModule {}

await serve(await NestFactory.create(RecipeModule, { logger: ['error', 'warn'] }));
