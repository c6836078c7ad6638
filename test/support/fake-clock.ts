// The environment that runs a CLI child under a clock `offsetMs` off the real one (see fake-clock.cjs).
import { fileURLToPath } from 'node:url';

const preload = fileURLToPath(new URL('./fake-clock.cjs', import.meta.url));

export function fakeClockEnv(offsetMs: number, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const options = [env.NODE_OPTIONS, `--require=${preload}`].filter(Boolean).join(' ');
  return { NODE_OPTIONS: options, FAKE_CLOCK_OFFSET_MS: String(offsetMs) };
}
