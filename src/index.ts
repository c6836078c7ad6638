// What bin/run.js needs from oclif. Bundled by scripts/bundle.mjs together with the commands, so the CLI and
// its commands share one copy of oclif (its Config, Command and error classes), loaded as one file.
export { run, flush, Errors, settings } from '@oclif/core';
