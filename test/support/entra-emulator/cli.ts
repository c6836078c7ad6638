// `npm run emulator -- [--port N] [--tenant T] [--user UPN [--groups g1,g2]]… [--auto-approve UPN] [--interval S]`
// Runs the Entra emulator until Ctrl-C so people can try kubectl-np without a tenant. Logs one line per
// request to stderr (never a token or code).
import { startEntraEmulator, type EmulatorUser, type EntraEmulatorOptions } from './index.js';

const USAGE = `usage: npm run emulator -- [--port N] [--tenant GUID] [--user UPN [--groups ID,ID]]... [--auto-approve UPN] [--interval SECONDS]

  --port N             listen on 127.0.0.1:N (default: a free port)
  --tenant GUID        the default tenant id
  --user UPN           add a user; a following --groups gives its Entra group object ids
  --auto-approve UPN   complete every device code and browser sign-in at once as UPN
  --interval SECONDS   device-code polling interval told to clients (default 1)`;

function fail(message: string): never {
  process.stderr.write(`emulator: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function parseCliArgs(argv: string[]): EntraEmulatorOptions {
  const opts: EntraEmulatorOptions = {};
  const users: EmulatorUser[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const [name, inline] = flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag, undefined];
    if (name === '-h' || name === '--help') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') fail(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--port': {
        const port = Number(value());
        if (!Number.isInteger(port) || port < 0 || port > 65535) fail('--port must be a port number');
        opts.port = port;
        break;
      }
      case '--tenant':
        opts.tenantId = value();
        if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(opts.tenantId)) fail('--tenant must be a GUID');
        break;
      case '--user':
        users.push({ username: value() });
        break;
      case '--groups': {
        const last = users.at(-1);
        if (!last) fail('--groups must follow a --user');
        last.groups = value().split(',').map((g) => g.trim()).filter(Boolean);
        break;
      }
      case '--auto-approve':
        opts.autoApprove = value();
        break;
      case '--interval': {
        const seconds = Number(value());
        if (!(seconds >= 0)) fail('--interval must be a number of seconds');
        opts.deviceCodeIntervalSeconds = seconds;
        break;
      }
      default:
        fail(`unknown argument ${flag}`);
    }
  }
  if (users.length) opts.users = users;
  return opts;
}

async function main(): Promise<void> {
  const opts = parseCliArgs(process.argv.slice(2));
  const emu = await startEntraEmulator({ ...opts, log: (line) => process.stderr.write(`${line}\n`) });
  const users = (opts.users ?? []).map((u) => `${u.username}${u.groups?.length ? ` (groups ${u.groups.join(',')})` : ''}`);
  const flags = `--login devicecode --tenant-id ${emu.tenantId} --authority-host ${emu.authorityHost}`;
  process.stdout.write(`Entra emulator (test double of Microsoft Entra ID) is listening.

  authority   ${emu.authority()}
  tenant      ${emu.tenantId}
  issuer      ${emu.issuer()}
  CA file     ${emu.caFile}
  users       ${users.length ? users.join(', ') : '(any UPN signs in; none preset)'}
  sign-in     ${opts.autoApprove ? `automatic as ${opts.autoApprove}` : `open ${emu.authorityHost}/devicelogin (trust the CA file in your browser or accept the warning), or:
              curl --cacert ${emu.caFile} -d user_code=CODE -d username=alice@contoso.example ${emu.authorityHost}/emulator/approve`}
  graph       ${emu.graphUrl}
  IMDS        ${emu.imdsUrl}

Node trusts the emulator with NODE_EXTRA_CA_CERTS; for example:

  export NODE_EXTRA_CA_CERTS=${emu.caFile}
  kubectl np setup --context CONTEXT ${flags}
  kubectl-np get-token ${flags}

Ctrl-C stops it.
`);
  const stop = (): void => {
    void emu.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`emulator: ${(err as Error).message}\n`);
  process.exit(1);
});
