import { InjectUserManager, UserManager, type UserProtocol } from '@nest-users/core';
import { Injectable } from '@nestjs/common';

@Injectable()
export class BanService {
  constructor(@InjectUserManager() private readonly users: UserManager<UserProtocol<string>, string>) {}

  /** App code calls the manager with `safe: false` (the default): status fields are applied. */
  async ban(id: string): Promise<void> {
    const user = await this.users.get(this.users.parseId(id)); // UserNotExistsError when there is none
    await this.users.update(user, { isActive: false }); // also ends the user's stored tokens
  }
}
