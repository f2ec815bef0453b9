#!/usr/bin/env node
'use strict';
// The compiled CLI lives in dist/; `npm start` and `npm test` build it (scripts/bootstrap.mjs).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'dist', 'src', 'client', 'cli.js');
if (!existsSync(cli)) {
  console.error('metronome is not built yet: run `npm run build` (or `npm start`, which installs and builds it).');
  process.exit(1);
}
void require(cli).main();
