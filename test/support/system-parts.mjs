// The machine parts the end-to-end tests drive for real, which npm cannot install: the real kubectl,
// a Secret Service (gnome-keyring under D-Bus) with keytar's native module, headless Chromium, tmux,
// a real kube-apiserver with etcd, and Graphviz. One list serves three readers:
//   `node test/support/system-parts.mjs install`  (run by `npm test`): installs what is missing from
//       Debian's packages when it runs as root on Debian, as `playwright install --with-deps` does;
//   vitest.config.ts: outside CI, leaves out the test files of a group whose parts are missing and says
//       so at the end, one line per group; under CI=true nothing is left out (those tests then fail);
//   `node test/support/system-parts.mjs check`: prints what is there and what is not.
// Plain JavaScript without dependencies: it runs before `npm ci` has built anything.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const ENABLE_COMMAND = 'sudo npm run test:setup';

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/usr/sbin', '/usr/local/bin'])) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** The directory of kube-apiserver, etcd and kube-controller-manager (controller-runtime's envtest convention). */
export function kubebuilderAssets() {
  return process.env.KUBEBUILDER_ASSETS || join(repoRoot, '.cache', 'kubebuilder-assets');
}

function keytarLoads() {
  // a separate process: a native module that fails to load must not take this one down with it
  const result = spawnSync(process.execPath, ['-e', "require('keytar')"], { cwd: repoRoot, stdio: 'ignore', timeout: 30_000 });
  return result.status === 0;
}

/** Each part: how to tell it is there, and the Debian packages that bring it. */
export const PARTS = {
  kubectl: { what: 'kubectl (/usr/bin/kubectl)', present: () => existsSync('/usr/bin/kubectl'), debian: ['kubectl', 'kubernetes-client'] },
  script: { what: 'script (util-linux)', present: () => onPath('script'), debian: ['bsdutils'] },
  dbus: { what: 'dbus-daemon and dbus-run-session', present: () => onPath('dbus-daemon') && onPath('dbus-run-session') && onPath('dbus-send'), debian: ['dbus', 'dbus-x11'] },
  gnomeKeyring: { what: 'gnome-keyring-daemon', present: () => onPath('gnome-keyring-daemon'), debian: ['gnome-keyring'] },
  secretTool: { what: 'secret-tool (libsecret-tools)', present: () => onPath('secret-tool'), debian: ['libsecret-tools'] },
  keytar: { what: "keytar's native module (needs libsecret-1-dev when npm installs it)", present: keytarLoads, debian: ['libsecret-1-dev', 'pkg-config'] },
  chromium: { what: 'chromium (/usr/bin/chromium)', present: () => existsSync('/usr/bin/chromium'), debian: ['chromium'] },
  tmux: { what: 'tmux', present: () => onPath('tmux'), debian: ['tmux'] },
  openssl: { what: 'openssl', present: () => onPath('openssl'), debian: ['openssl', 'ca-certificates'] },
  etcd: { what: 'etcd (etcd-server)', present: () => existsSync(join(kubebuilderAssets(), 'etcd')) || onPath('etcd'), debian: ['etcd-server'] },
  kubeApiserver: {
    what: `kube-apiserver and kube-controller-manager in ${kubebuilderAssets()} (KUBEBUILDER_ASSETS)`,
    present: () => ['kube-apiserver', 'kube-controller-manager'].every((b) => existsSync(join(kubebuilderAssets(), b))),
    debian: ['xz-utils'],
  },
  graphviz: { what: 'Graphviz dot', present: () => onPath('dot'), debian: ['graphviz'] },
};

/** Groups of end-to-end tests, the parts each needs, and its test files (globs, relative to the repo). */
export const GROUPS = [
  { name: 'keychain (real Secret Service)', parts: ['dbus', 'gnomeKeyring', 'secretTool', 'keytar'], files: ['test/integration/auth/keychain.test.ts', 'test/integration/auth/keychain-locked.test.ts', 'test/e2e/credential-helper.test.ts', 'test/e2e/pop.test.ts'] },
  { name: 'kubectl exec credential', parts: ['kubectl', 'script'], files: ['test/e2e/**/*.test.ts', 'test/integration/apiserver.test.ts', 'test/integration/apiserver-fidelity.test.ts', 'test/integration/serviceaccount-token.test.ts'] },
  { name: 'browser sign-in (headless Chromium)', parts: ['chromium'], files: ['test/e2e/browser-login.test.ts', 'test/e2e/report*.test.ts', 'test/e2e/pop.test.ts'] },
  { name: 'terminal prompts (tmux)', parts: ['tmux'], files: ['test/integration/auth/login-prompts.test.ts'] },
  { name: 'real kube-apiserver', parts: ['etcd', 'kubeApiserver', 'kubectl'], files: ['test/real-apiserver/**/*.test.ts', 'test/e2e/real-apiserver*.test.ts'] },
  { name: 'Graphviz rendering', parts: ['graphviz'], files: ['test/**/*graphviz*.test.ts'] },
];

/** A glob of GROUPS (`**`, `*`) as a regular expression over repo-relative paths. */
function globPattern(glob) {
  const body = glob
    .split(/(\*\*\/|\*)/)
    .map((piece) => (piece === '**/' ? '(?:.*/)?' : piece === '*' ? '[^/]*' : piece.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

function testFiles(dir = 'test') {
  const found = [];
  for (const entry of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) found.push(...testFiles(path));
    else if (entry.name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

/** Groups that have at least one test file: a group without tests needs nothing installed. */
export function populatedGroups() {
  const files = testFiles();
  return GROUPS.filter((g) => g.files.some((glob) => files.some((f) => globPattern(glob).test(f))));
}

/** The parts the test files present need. */
export function neededPartIds() {
  return [...new Set(populatedGroups().flatMap((g) => g.parts))];
}

/** Part ids that are missing on this machine, each checked once. */
export function missingPartIds(ids = neededPartIds()) {
  return ids.filter((id) => !PARTS[id].present());
}

/** The groups that cannot run here, with what each lacks. */
export function unrunnableGroups() {
  const missing = new Set(missingPartIds());
  return populatedGroups()
    .map((g) => ({ ...g, lacking: g.parts.filter((p) => missing.has(p)) }))
    .filter((g) => g.lacking.length > 0);
}

export function skipLine(group) {
  return `skipped end-to-end group "${group.name}": missing ${group.lacking.map((p) => PARTS[p].what).join(', ')}; enable with: ${ENABLE_COMMAND}`;
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function say(line) {
  process.stderr.write(`test:setup: ${line}\n`);
}

/** Unpacks the kube-apiserver shipped beside the repository (../shared/k8s) into the assets directory. */
function provisionKubeApiserver() {
  const script = join(repoRoot, 'test', 'support', 'real-apiserver', 'provision-assets.sh');
  if (!existsSync(script)) return;
  say(`unpacking kube-apiserver into ${kubebuilderAssets()}`);
  execFileSync('bash', [script], { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, KUBEBUILDER_ASSETS: kubebuilderAssets() } });
}

function debianInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === 'install ok installed';
}

function libsecretHeaders() {
  return onPath('pkg-config') && spawnSync('pkg-config', ['--exists', 'libsecret-1']).status === 0;
}

function installKeytar() {
  const keytarDir = join(repoRoot, 'node_modules', 'keytar');
  if (!existsSync(join(repoRoot, 'node_modules'))) return; // before npm ci: it builds keytar itself
  if (existsSync(keytarDir)) {
    say('rebuilding keytar against libsecret');
    execFileSync('npm', ['rebuild', 'keytar'], { cwd: repoRoot, stdio: 'inherit' });
  } else {
    const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).optionalDependencies?.keytar;
    say(`installing keytar@${version} (npm skipped it while libsecret was missing)`);
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', `keytar@${version}`], { cwd: repoRoot, stdio: 'inherit' });
  }
}

export function install() {
  const ci = process.env.CI === 'true';
  let missing = missingPartIds();
  const apt = onPath('apt-get') && existsSync('/etc/debian_version');
  // a part can be missing while its packages are installed (keytar before npm ci, kube-apiserver before
  // unpacking): ask apt only for what dpkg lacks, so a machine that has them needs no package index
  const packages = isRoot() && apt ? [...new Set(missing.flatMap((id) => PARTS[id].debian))].filter((pkg) => !debianInstalled(pkg)) : [];
  if (packages.length > 0 && isRoot() && apt) {
    say(`installing Debian packages for the end-to-end tests: ${packages.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    for (const pkg of packages) {
      // one at a time: a package this release lacks (kubectl is not in every Debian) must not stop the rest
      const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { stdio: 'inherit', env });
      if (r.status !== 0) say(`could not install ${pkg}`);
    }
  }
  if (missing.includes('kubeApiserver') && !PARTS.kubeApiserver.present()) provisionKubeApiserver();
  if (missing.includes('keytar') && !PARTS.keytar.present() && libsecretHeaders()) installKeytar();
  missing = missingPartIds();
  if (missing.includes('keytar') && !existsSync(join(repoRoot, 'node_modules')) && libsecretHeaders()) {
    // before `npm ci` (as in .ci/run): npm builds keytar against the headers just installed
    say("keytar's native module will be built by npm ci (libsecret headers are installed)");
    missing = missing.filter((id) => id !== 'keytar');
  }
  if (missing.length === 0) {
    say('every end-to-end part is installed');
    return 0;
  }
  const why = !apt ? 'this is not a Debian machine' : !isRoot() ? 'not running as root' : 'installing failed';
  say(`missing ${missing.map((id) => PARTS[id].what).join(', ')} (${why}); ${ci ? 'CI=true: their tests will fail' : `their tests will be skipped; enable with: ${ENABLE_COMMAND}`}`);
  return ci ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const verb = process.argv[2] ?? 'check';
  if (verb === 'install') process.exit(install());
  for (const [id, part] of Object.entries(PARTS)) process.stdout.write(`${part.present() ? 'ok     ' : 'missing'} ${id}: ${part.what}\n`);
  for (const g of unrunnableGroups()) process.stdout.write(`${skipLine(g)}\n`);
}
