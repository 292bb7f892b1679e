import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { UsersAuthModuleExtras, UsersAuthModuleOptions } from './interfaces/users-auth-module-options.interface.js';

export const {
  ConfigurableModuleClass: UsersAuthConfigurableModule,
  MODULE_OPTIONS_TOKEN,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<UsersAuthModuleOptions>({ moduleName: 'UsersAuth' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createUsersAuthOptions')
  .setExtras<UsersAuthModuleExtras>({
    isGlobal: true,
    imports: [],
    userManager: undefined,
    globalGuard: false,
    routes: undefined,
    dto: undefined,
    backendNames: undefined,
    oauthNames: undefined,
  })
  .build();
