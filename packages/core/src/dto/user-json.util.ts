/** User fields that never leave the server: not in any answer, not in `JSON.stringify(user)`. @publicApi */
export const SECRET_USER_FIELDS: readonly string[] = ['hashedPassword', 'securityStamp'];

/**
 * A user's own fields without the secret ones: what a user model's `toJSON()` returns (`BaseUserEntity` does), so
 * an app handler that returns `@CurrentUser()` as it is never sends the password hash.
 * @publicApi
 */
export function publicUserFields(user: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(user).filter(([key]) => !SECRET_USER_FIELDS.includes(key)));
}
