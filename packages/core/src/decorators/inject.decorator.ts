import { Inject } from '@nestjs/common';
import { UserRepository } from '../db/user-repository.interface.js';
import { UserManager } from '../manager/user-manager.js';
import { getBackendToken } from '../users-auth.providers.js';

/** Injects the app's `UserManager` (the subclass given as `userManager`, if any). @publicApi */
export const InjectUserManager = (): ParameterDecorator & PropertyDecorator => Inject(UserManager);

/** Injects the `UserRepository` adapter. @publicApi */
export const InjectUserRepository = (): ParameterDecorator & PropertyDecorator => Inject(UserRepository);

/** Injects one authentication backend by name. @publicApi */
export const InjectBackend = (name = 'jwt'): ParameterDecorator & PropertyDecorator => Inject(getBackendToken(name));
