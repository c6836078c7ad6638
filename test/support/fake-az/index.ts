// A fake Azure CLI on PATH for the `--login azurecli` (and `azd`) tests: `binDir` holds executables
// `az` and `azd` that answer `az account get-access-token` / `azd auth token` from state the test
// sets (signed in or not, a token per resource) and record each call, so tests can assert whether
// the CLI was started at all.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeAzState {
  signedIn: boolean;
  tenant: string;
  /** resource → token; expiresOn in epoch seconds */
  tokens?: Record<string, { accessToken: string; expiresOn: number }>;
  /** answer like az before 2.54: only the local-time `expiresOn`, no `expires_on` */
  oldFormat?: boolean;
  /** az hangs: the process doing the work (a child of the `az` shell script) writes its pid to pidFile and never answers */
  hang?: boolean;
}

export interface FakeAz {
  /** put this first on PATH */
  binDir: string;
  /** FAKE_AZ_STATE for the environment of whatever runs az */
  env: { FAKE_AZ_STATE: string };
  setState(state: FakeAzState): void;
  /** the argument lists of every az run so far (azd runs start with "azd") */
  calls(): string[][];
  /** where a hanging az writes the pid of its worker process */
  pidFile: string;
}

export function createFakeAz(state: FakeAzState): FakeAz {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-np-fake-az-'));
  const binDir = join(dir, 'bin');
  const statePath = join(dir, 'state.json');
  const script = new URL('./az.cjs', import.meta.url).pathname;
  // a shell wrapper with the absolute node path, so PATH needs nothing else. Like the real az (a shell
  // script running Python), the work is done by a child of the script, not by the script itself.
  const az = join(binDir, 'az');
  mkdirSync(binDir);
  writeFileSync(az, `#!/bin/sh\n'${process.execPath}' '${script}' "$@"\n`);
  chmodSync(az, 0o755);
  // the Azure Developer CLI, from the same state (its calls are logged with a leading "azd")
  const azd = join(binDir, 'azd');
  writeFileSync(azd, `#!/bin/sh\nexec '${process.execPath}' '${new URL('./azd.cjs', import.meta.url).pathname}' "$@"\n`);
  chmodSync(azd, 0o755);
  const fake: FakeAz = {
    binDir,
    env: { FAKE_AZ_STATE: statePath },
    pidFile: `${statePath}.pid`,
    setState: (s) => writeFileSync(statePath, JSON.stringify(s)),
    calls: () => {
      const log = `${statePath}.calls`;
      if (!existsSync(log)) return [];
      return readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
    },
  };
  fake.setState(state);
  return fake;
}
