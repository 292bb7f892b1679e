// docs/testing.md quotes docs/snippets/testing/notes.e2e-spec.ts; vitest collects only test/**/*.e2e-spec.ts, so the
// guide's spec runs from here (its describe blocks register on import): a guide whose test fails fails the suite.
import '../../docs/snippets/testing/notes.e2e-spec.js';
