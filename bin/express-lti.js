#!/usr/bin/env node
// The express-lti command line. From the built package it runs dist/; in the
// repository before a build it runs the TypeScript sources through tsx.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const built = path.join(__dirname, '..', 'dist', 'lib', 'cli', 'main.js');
if (fs.existsSync(built)) {
  require(built).main();
} else {
  require('tsx/cjs');
  require(path.join(__dirname, '..', 'lib', 'cli', 'main.ts')).main();
}
