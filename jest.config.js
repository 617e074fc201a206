/**
 * Three tiers, each a jest project; `npm test` runs them all.
 *   unit         no sockets (test/helpers/no-sockets.ts refuses them), under 30 s: `npm run test:unit`
 *   integration  real origin, proxies and clients on loopback
 *   lab          real programs: proxy binaries, Chromium (skipped with the install command when
 *                missing; failing instead under PUSHTHROUGH_REQUIRE_PROXIES=1)
 *   examples     examples/: a user's own app tested through pushthrough's JS API
 * @type {import('jest').Config}
 */
const tier = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
  ...extra,
});

module.exports = {
  projects: [
    tier('unit', { setupFilesAfterEnv: ['<rootDir>/test/helpers/no-sockets.ts'] }),
    tier('integration'),
    tier('lab'),
    // What a user copies: tests of their own app through pushthrough, importing the package by name.
    tier('examples', { roots: ['<rootDir>/examples'], testMatch: ['<rootDir>/examples/**/*.test.ts'], moduleNameMapper: { '^pushthrough$': '<rootDir>/src/index.ts' } }),
  ],
  // A global option (not per project); lab tests that take longer say so themselves.
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/test/helpers/skip-reporter.js'],
};
