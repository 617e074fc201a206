import path from 'node:path';

/** The repository root and the test folders' shared data. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const TEST_DIR = path.join(REPO_ROOT, 'test');
/** Recorded inputs: proxies' answers, a measured report. */
export const TEST_FIXTURES = path.join(TEST_DIR, 'fixtures');
/** Expected renderer outputs. */
export const GOLDEN_DIR = path.join(TEST_DIR, 'golden');
