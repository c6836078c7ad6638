// Ends the run with one line per end-to-end group that vitest.config.ts left out for a missing machine part,
// naming the part and the command that installs it, so a skipped group is never silent.
import type { TestProject } from 'vitest/node';
import { skipLine, unrunnableGroups } from './system-parts.mjs';

export default function setup(_project: TestProject) {
  if (process.env.CI === 'true') return undefined;
  const groups = unrunnableGroups();
  return () => {
    for (const group of groups) process.stdout.write(`${skipLine(group)}\n`);
  };
}
