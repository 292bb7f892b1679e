import { AuthenticationBackend, JwtAuthentication, UsersAuthModule } from '@nest-users/core';
import { UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminController } from './admin/admin.controller.js';
import { toTypeOrmOptions, type SampleDatabaseOptions } from './database.config.js';
import { HealthController } from './health/health.controller.js';
import { MailModule } from './mail/mailer.js';
import { Note } from './notes/note.entity.js';
import { NotesModule } from './notes/notes.module.js';
import { AppUserManager } from './users/app-user-manager.js';
import { SampleUserAdminUpdateDto, SampleUserCreateDto, SampleUserReadDto, SampleUserUpdateDto } from './users/user.dto.js';
import { User } from './users/user.entity.js';

export interface AppModuleConfig {
  database: SampleDatabaseOptions;
  /** HMAC secret of the default `jwt` backend (at least 32 bytes). */
  jwtSecret: string;
  /** Replaces the default backend list (one `jwt` backend). */
  backends?: AuthenticationBackend[];
}

/** Access tokens live one hour, as fastapi-users' examples do. */
const ACCESS_TOKEN_LIFETIME_SECONDS = 3600;

@Module({})
export class AppModule {
  static forRoot(config: AppModuleConfig): DynamicModule {
    const backends = config.backends ?? [
      new JwtAuthentication({ secret: config.jwtSecret, lifetimeSeconds: ACCESS_TOKEN_LIFETIME_SECONDS }),
    ];
    return {
      module: AppModule,
      imports: [
        // Fail fast when the database is unreachable at startup instead of retrying for half a minute.
        TypeOrmModule.forRoot({ ...toTypeOrmOptions(config.database, [User, Note]), retryAttempts: 2, retryDelay: 1000 }),
        TypeOrmModule.forFeature([User, Note]),
        UsersAuthModule.forRoot({
          imports: [UsersAuthTypeOrmModule.forFeature(User), MailModule],
          userManager: AppUserManager,
          backends,
          dto: {
            create: SampleUserCreateDto,
            update: SampleUserUpdateDto,
            adminUpdate: SampleUserAdminUpdateDto,
            read: SampleUserReadDto,
          },
        }),
        NotesModule,
      ],
      controllers: [HealthController, AdminController],
    };
  }
}
