/**
 * The fields nest-users reads and writes on a user. Apps add their own fields freely.
 * @publicApi
 */
export interface UserProtocol<ID = string> {
  id: ID;
  /** Stored in canonical form (`canonicalEmail`: NFKC, lower case, IDNA domain); the store keeps it unique. */
  email: string;
  hashedPassword: string;
  isActive: boolean;
  isSuperuser: boolean;
  isVerified: boolean;
  /**
   * Optional: renewed by "log out everywhere", and fingerprinted by reset and verification tokens, which it thereby
   * ends. A model without it keeps working; such tokens then end only at expiry, a password or an email change.
   */
  securityStamp?: string | null;
}

/** What a new user is created from, after the manager hashed the password. */
export type UserCreateData<U extends UserProtocol<unknown>> = Partial<Omit<U, 'id'>> & Pick<U, 'email' | 'hashedPassword'>;
