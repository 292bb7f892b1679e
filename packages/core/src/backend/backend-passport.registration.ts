import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { UserProtocol } from '../interfaces/user.interface.js';
import type { ResolvedUsersAuthOptions } from '../interfaces/users-auth-module-options.interface.js';
import { UserManager } from '../manager/user-manager.js';
import { AUTH_BACKENDS, USERS_AUTH_OPTIONS } from '../users-auth.constants.js';
import type { AuthenticationBackend } from './authentication-backend.js';
import { registerWithPassport } from './backend-passport.dispatcher.js';
import { createBackendPassportStrategy, getPassportStrategyName } from './backend-passport.strategy.js';

/**
 * Puts every backend of this module in passport's process-wide registry as `users-auth:<name>` when the module
 * starts, and takes it out when the app closes, so `AuthGuard('users-auth:<name>')` from @nestjs/passport works.
 * Requests are dispatched to the module instance of the app that received them.
 */
@Injectable()
export class BackendPassportRegistration implements OnModuleInit, OnModuleDestroy {
  private readonly unregister: Array<() => void> = [];

  constructor(
    @Inject(AUTH_BACKENDS) private readonly backends: AuthenticationBackend[],
    @Inject(UserManager) private readonly users: UserManager<UserProtocol<unknown>, unknown>,
    @Inject(USERS_AUTH_OPTIONS) private readonly options: ResolvedUsersAuthOptions,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const owners = () => {
      const adapter = this.adapterHost.httpAdapter;
      return adapter ? [adapter.getHttpServer(), adapter.getInstance()] : [];
    };
    for (const backend of this.backends) {
      this.unregister.push(
        registerWithPassport(getPassportStrategyName(backend.name), {
          backend,
          strategy: createBackendPassportStrategy(backend, this.users),
          requiresVerification: this.options.requirementDefaults.requiresVerification,
          owners,
        }),
      );
    }
  }

  onModuleDestroy(): void {
    for (const unregister of this.unregister.splice(0)) unregister();
  }
}
