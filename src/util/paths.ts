import path from 'node:path';

/**
 * The package root: the folder holding package.json, proxies/ and schema/.
 * The same depth from src/util (ts-jest) and dist/util (the built CLI).
 */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
