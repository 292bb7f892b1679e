// Type-level tests, checked by `npx tsc -p tsconfig.json` (never run): each `@ts-expect-error` fails the build if
// the line below it compiles.
import { Authenticated, JwtAuthentication, UsersAuthModule } from '@nest-users/core';

const backends = () => [new JwtAuthentication({ secret: 'x'.repeat(32), lifetimeSeconds: 60 })];

// forRootAsync needs backendNames: routes are built before the factory runs.
// @ts-expect-error backendNames is required
UsersAuthModule.forRootAsync({ useFactory: () => ({ backends: backends() }) });
UsersAuthModule.forRootAsync({ backendNames: ['jwt'], useFactory: () => ({ backends: backends() }) });

// Misspelled options are refused by the compiler too (and at startup for untyped callers).
// @ts-expect-error superUser is not an option (superuser is)
Authenticated({ superUser: true });
// @ts-expect-error globalGaurd is not an option (globalGuard is)
UsersAuthModule.forRoot({ backends: backends(), globalGaurd: true });
UsersAuthModule.forRoot({ backends: backends(), globalGuard: { verified: true } });
