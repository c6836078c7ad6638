// The environment that makes a CLI child's writes under `dir` fail like a full disk or a read-only
// mount (see fail-writes.cjs).
import { fileURLToPath } from 'node:url';

const preload = fileURLToPath(new URL('./fail-writes.cjs', import.meta.url));

export function failWritesEnv(dir: string, code: 'ENOSPC' | 'EROFS' | 'EACCES', match?: RegExp, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const options = [env.NODE_OPTIONS, `--require=${preload}`].filter(Boolean).join(' ');
  return { NODE_OPTIONS: options, FAIL_WRITES_UNDER: dir, FAIL_WRITES_CODE: code, ...(match ? { FAIL_WRITES_MATCH: match.source } : {}) };
}
