import { isMissingUser } from '../errors/user.errors.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import type { UserLookup } from './strategy.interface.js';

/** The user a token names by id, or `null` when the id is malformed or the user is gone; store outages still throw. */
export async function findTokenUser<U extends UserProtocol<ID>, ID>(users: UserLookup<U, ID>, id: string): Promise<U | null> {
  try {
    return await users.get(users.parseId(id));
  } catch (error) {
    if (isMissingUser(error)) return null;
    throw error;
  }
}
