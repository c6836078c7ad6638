// Where the auth suites find the repository, and the one check that the compiled CLI they run is fresh.
export { requireFreshBuild } from '../../support/cli-process.js';

export const repoRoot = new URL('../../../', import.meta.url).pathname.replace(/\/$/, '');
