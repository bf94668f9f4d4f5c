// The operator's command line as a function: arguments in, exit code and JSON out; files, the
// environment and the gRPC clients come through `io` so tests need neither disk nor network.
// Secrets (access token, app secret) come from files or the environment, NEVER from argv (argv is
// visible to every user of the machine in `ps` and lands in shell history).
import { parseArgs } from 'node:util';
import { isDomainError } from '@careline/runtime';
import { type AdminClientOptions, type AdminClients, views } from './clients';

export const USAGE = `usage: admin <command> [options]          (prints JSON)

  tenant create  --name NAME --time-zone IANA_ZONE [--language en_US] [--id UUID]
  tenant list
  channel register --tenant ID --phone-number-id DIGITS --waba-id DIGITS --display NUMBER
                 [--access-token-file FILE] [--app-secret-file FILE]
                 (else $CARELINE_ACCESS_TOKEN / $CARELINE_APP_SECRET; never on the command line)
  channel list   --tenant ID
  team create    --tenant ID --name NAME
  team list      --tenant ID
  staff add      --tenant ID --subject SUB --roles admin,nurse [--name NAME] [--email EMAIL] [--teams ID,ID]
  staff list     --tenant ID

  --messaging HOST:PORT  messaging's gRPC (default $MESSAGING_GRPC_URL or 127.0.0.1:50051)
  --gateway HOST:PORT    the gateway's gRPC (default $GATEWAY_GRPC_URL or 127.0.0.1:50055)
  --as NAME              acts as operator:NAME (default $USER)`;

export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  readFile(path: string): string;
  connect(options: AdminClientOptions): AdminClients;
}

export interface CliResult {
  code: 0 | 1 | 2;
  /** JSON (success) or the usage/error text. */
  output: string;
}

const OPTIONS = {
  name: { type: 'string' },
  'time-zone': { type: 'string' },
  language: { type: 'string' },
  id: { type: 'string' },
  tenant: { type: 'string' },
  'phone-number-id': { type: 'string' },
  'waba-id': { type: 'string' },
  display: { type: 'string' },
  'access-token-file': { type: 'string' },
  'app-secret-file': { type: 'string' },
  subject: { type: 'string' },
  roles: { type: 'string' },
  email: { type: 'string' },
  teams: { type: 'string' },
  messaging: { type: 'string' },
  gateway: { type: 'string' },
  as: { type: 'string' },
} as const;

type Values = Partial<Record<keyof typeof OPTIONS, string>>;

class UsageError extends Error {}

const SECRET_FLAGS = /^--(access-token|app-secret|token|secret)(=|$)/;

function need(values: Values, key: keyof typeof OPTIONS): string {
  const value = values[key];
  if (value === undefined || value === '') throw new UsageError(`--${key} is required`);
  return value;
}

function list(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((part) => part.trim()).filter((part) => part !== '');
}

/** A secret from `--<name>-file`, else from the environment variable; trailing newline dropped. */
function secretFrom(io: CliIo, values: Values, fileKey: 'access-token-file' | 'app-secret-file', envName: string): string {
  const file = values[fileKey];
  let value: string | undefined;
  if (file !== undefined) {
    try {
      value = io.readFile(file);
    } catch (error) {
      throw new UsageError(`cannot read --${fileKey} ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  } else {
    value = io.env[envName];
  }
  value = value?.replace(/\r?\n$/, '');
  if (value === undefined || value === '') throw new UsageError(`give --${fileKey} or set ${envName}`);
  return value;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<CliResult> {
  const secretOnArgv = argv.find((arg) => SECRET_FLAGS.test(arg));
  if (secretOnArgv !== undefined) {
    // Refused before anything else, and the value is not echoed.
    return { code: 2, output: `secrets are never taken from the command line: use --access-token-file/--app-secret-file or CARELINE_ACCESS_TOKEN/CARELINE_APP_SECRET\n${USAGE}` };
  }
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (error) {
    return { code: 2, output: `${(error as Error).message}\n${USAGE}` };
  }
  const [noun, verb, ...rest] = positionals;
  if (rest.length > 0 || noun === undefined || verb === undefined) return { code: 2, output: USAGE };

  let clients: AdminClients | undefined;
  const connect = (): AdminClients => {
    clients = io.connect({
      messaging: values.messaging ?? io.env['MESSAGING_GRPC_URL'] ?? '127.0.0.1:50051',
      gateway: values.gateway ?? io.env['GATEWAY_GRPC_URL'] ?? '127.0.0.1:50055',
      actor: `operator:${values.as ?? io.env['USER'] ?? 'unknown'}`,
    });
    return clients;
  };

  try {
    const result = await dispatch(`${noun} ${verb}`, values, io, connect);
    return { code: 0, output: JSON.stringify(result, null, 2) };
  } catch (error) {
    if (error instanceof UsageError) return { code: 2, output: `${error.message}\n${USAGE}` };
    if (isDomainError(error)) {
      return { code: 1, output: JSON.stringify({ error: { code: error.code, message: error.message, details: error.details ?? {} } }, null, 2) };
    }
    return { code: 1, output: JSON.stringify({ error: { code: 'failed', message: (error as Error).message } }, null, 2) };
  } finally {
    clients?.close();
  }
}

async function dispatch(command: string, values: Values, io: CliIo, connect: () => AdminClients): Promise<unknown> {
  switch (command) {
    case 'tenant create': {
      const tenant = {
        name: need(values, 'name'),
        timeZone: need(values, 'time-zone'),
        ...(values.language === undefined ? {} : { defaultLanguage: values.language }),
        ...(values.id === undefined ? {} : { tenantId: values.id }),
      };
      return views.tenant(await connect().createTenant(tenant));
    }
    case 'tenant list':
      return (await connect().listTenants()).map(views.tenant);
    case 'channel register': {
      const tenantId = need(values, 'tenant');
      const channel = {
        phoneNumberId: need(values, 'phone-number-id'),
        wabaId: need(values, 'waba-id'),
        displayPhoneNumber: need(values, 'display'),
        accessToken: secretFrom(io, values, 'access-token-file', 'CARELINE_ACCESS_TOKEN'),
        appSecret: secretFrom(io, values, 'app-secret-file', 'CARELINE_APP_SECRET'),
      };
      return views.channel(await connect().registerChannel(tenantId, channel));
    }
    case 'channel list':
      return (await connect().listChannels(need(values, 'tenant'))).map(views.channel);
    case 'team create': {
      const tenantId = need(values, 'tenant');
      return views.team(await connect().createTeam(tenantId, need(values, 'name')));
    }
    case 'team list':
      return (await connect().listTeams(need(values, 'tenant'))).map(views.team);
    case 'staff add': {
      const tenantId = need(values, 'tenant');
      const subject = need(values, 'subject');
      const roles = list(need(values, 'roles')) ?? [];
      const teamIds = list(values.teams);
      const { staff, created } = await connect().upsertStaff(tenantId, {
        subject,
        displayName: values.name ?? subject,
        roles,
        ...(values.email === undefined ? {} : { email: values.email }),
        ...(teamIds === undefined ? {} : { teamIds }),
      });
      return { ...views.staff(staff), created };
    }
    case 'staff list':
      return (await connect().listStaff(need(values, 'tenant'))).map(views.staff);
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}
