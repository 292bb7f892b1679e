/** Base class of every error nest-users raises; never an HTTP exception itself. @publicApi */
export abstract class UsersAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
