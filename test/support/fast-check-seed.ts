// Property tests (fast-check) draw new inputs on every local run, which is how they find bugs; under CI they
// draw from one fixed seed, so a CI verdict never depends on the luck of the draw and a failure there can be
// replayed exactly. FC_SEED=<n> replays any seed a failure printed.
import fc from 'fast-check';

const CI_SEED = 20_261_207;
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : process.env.CI === 'true' ? CI_SEED : undefined;
if (seed !== undefined && Number.isSafeInteger(seed)) fc.configureGlobal({ seed });
