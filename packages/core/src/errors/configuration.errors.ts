import { UsersAuthError } from './users-auth.error.js';

/** A setup mistake found at startup; the message says how to fix it. @publicApi */
export class UsersAuthConfigurationError extends UsersAuthError {}

/** @publicApi */
export class DuplicateBackendNameError extends UsersAuthConfigurationError {
  constructor(readonly backendName: string) {
    super(
      `Two authentication backends are named "${backendName}". Backend names become routes ` +
        `(/auth/${backendName}/login), passport strategy names and Swagger schemes, so each must be unique: ` +
        `pass a distinct \`name\` to each backend.`,
    );
  }
}

/**
 * Refuses keys of `value` that `known` does not list, naming the key, where it was found and, for a near miss
 * (`superUser`, `verfied`, `globalGaurd`), the key that was probably meant: a misspelled requirement must never be
 * silently ignored.
 * @throws UsersAuthConfigurationError
 */
export function assertKnownKeys(value: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const guess = closestKey(key, known);
    throw new UsersAuthConfigurationError(
      `${where}: unknown option "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}. Known options: ${known.join(', ')}.`,
    );
  }
}

/** The known key a typo most likely meant: same letters in another case, or at most two edits away. */
function closestKey(key: string, known: readonly string[]): string | undefined {
  const folded = known.find((candidate) => candidate.toLowerCase() === key.toLowerCase());
  if (folded) return folded;
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
