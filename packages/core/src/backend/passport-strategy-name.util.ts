/** The passport name of a backend's strategy: `AuthGuard('users-auth:jwt')` from @nestjs/passport works. @publicApi */
export function getPassportStrategyName(backendName: string): string {
  return `users-auth:${backendName}`;
}
