#!/usr/bin/env node
// kubectl_complete-np: kubectl 1.26+ runs this (found on PATH) to complete `kubectl np …`, passing the
// words after `np` with the word being typed last, and reads Cobra's `__complete` answer.
'use strict';
const { join, resolve } = require('node:path');

const root = resolve(__dirname, '..');
import('../dist/cli/complete-entry.js').then(({ printCompletions }) =>
  printCompletions(join(root, 'oclif.manifest.json'), process.argv.slice(2)),
);
