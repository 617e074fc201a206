'use strict';
// Artillery requires `artillery-engine-<name>` for `engine: <name>`; this is
// pushthrough's, a thin door to the compiled engine in the same package
// (src/client/artillery-engine.ts). Installed through a symlink (npm's file:
// dependencies), Node resolves it to this real path, so the require holds.
module.exports = require('../../dist/client/artillery-engine.js').PushthroughEngine;
