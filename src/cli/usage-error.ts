/** A user mistake (bad option value, bad file, unreachable URL): one line, exit 2, no stack. */
export class UsageError extends Error {}
