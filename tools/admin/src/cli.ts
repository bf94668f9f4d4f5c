// The operator's command line as a function: arguments in, exit code and JSON out; files, the
// environment and the gRPC clients come through `io` so tests need neither disk nor network.
// Secrets (access token, app secret) come from files or the environment, NEVER from argv (argv is
// visible to every user of the machine in `ps` and lands in shell history).
import { parseArgs } from 'node:util';
import { isDomainError } from '@careline/runtime';
import { type AdminClientOptions, type AdminClients, views } from './clients';
import { type PolicyClientOptions, type PolicyClients, policyViews, reminderPolicyFileSchema } from './policies';

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
  policy reminders get --tenant ID
  policy reminders set --tenant ID --file policy.json   (the shape \`policy reminders get\` prints)
  policy release get   --tenant ID
  policy release set   --tenant ID --allow-document-in-chat true|false

  --messaging HOST:PORT  messaging's gRPC (default $MESSAGING_GRPC_URL or 127.0.0.1:50051)
  --gateway HOST:PORT    the gateway's gRPC (default $GATEWAY_GRPC_URL or 127.0.0.1:50055)
  --scheduling HOST:PORT scheduling's gRPC (default $SCHEDULING_GRPC_URL or 127.0.0.1:50052)
  --records HOST:PORT    records' gRPC (default $RECORDS_GRPC_URL or 127.0.0.1:50053)
  --as NAME              acts as operator:NAME (default $USER)`;

export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  readFile(path: string): string;
  connect(options: AdminClientOptions): AdminClients;
  connectPolicies(options: PolicyClientOptions): PolicyClients;
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
  scheduling: { type: 'string' },
  records: { type: 'string' },
  file: { type: 'string' },
  'allow-document-in-chat': { type: 'string' },
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
  // `policy <kind> <verb>` has three words, every other command two
  const words = positionals[0] === 'policy' ? 3 : 2;
  if (positionals.length !== words) return { code: 2, output: USAGE };
  const actor = `operator:${values.as ?? io.env['USER'] ?? 'unknown'}`;

  let clients: AdminClients | undefined;
  const connect = (): AdminClients => {
    clients = io.connect({
      messaging: values.messaging ?? io.env['MESSAGING_GRPC_URL'] ?? '127.0.0.1:50051',
      gateway: values.gateway ?? io.env['GATEWAY_GRPC_URL'] ?? '127.0.0.1:50055',
      actor,
    });
    return clients;
  };
  let policyClients: PolicyClients | undefined;
  const connectPolicies = (): PolicyClients => {
    policyClients = io.connectPolicies({
      scheduling: values.scheduling ?? io.env['SCHEDULING_GRPC_URL'] ?? '127.0.0.1:50052',
      records: values.records ?? io.env['RECORDS_GRPC_URL'] ?? '127.0.0.1:50053',
      actor,
    });
    return policyClients;
  };

  try {
    const command = positionals.join(' ');
    const result = command.startsWith('policy ')
      ? await dispatchPolicy(command, values, io, connectPolicies)
      : await dispatch(command, values, io, connect);
    return { code: 0, output: JSON.stringify(result, null, 2) };
  } catch (error) {
    if (error instanceof UsageError) return { code: 2, output: `${error.message}\n${USAGE}` };
    if (isDomainError(error)) {
      return { code: 1, output: JSON.stringify({ error: { code: error.code, message: error.message, details: error.details ?? {} } }, null, 2) };
    }
    return { code: 1, output: JSON.stringify({ error: { code: 'failed', message: (error as Error).message } }, null, 2) };
  } finally {
    clients?.close();
    policyClients?.close();
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

/** `true` or `false`, nothing else (a typo must not silently mean false). */
function flag(values: Values, key: keyof typeof OPTIONS): boolean {
  const value = need(values, key);
  if (value !== 'true' && value !== 'false') throw new UsageError(`--${key} must be true or false`);
  return value === 'true';
}

/** The reminder policy file: JSON of the shape `policy reminders get` prints. */
function reminderPolicyFrom(io: CliIo, path: string) {
  let text: string;
  try {
    text = io.readFile(path);
  } catch (error) {
    throw new UsageError(`cannot read --file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`--file ${path} is not JSON`);
  }
  const parsed = reminderPolicyFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`--file ${path}: ${issue?.path.join('.') || 'policy'} ${issue?.message ?? 'is invalid'}`);
  }
  return parsed.data;
}

async function dispatchPolicy(command: string, values: Values, io: CliIo, connect: () => PolicyClients): Promise<unknown> {
  switch (command) {
    case 'policy reminders get':
      return policyViews.reminders(await connect().getReminderPolicy(need(values, 'tenant')));
    case 'policy reminders set': {
      const tenantId = need(values, 'tenant');
      const policy = reminderPolicyFrom(io, need(values, 'file'));
      return policyViews.reminders(await connect().setReminderPolicy(tenantId, policy));
    }
    case 'policy release get':
      return policyViews.release(await connect().getReleasePolicy(need(values, 'tenant')));
    case 'policy release set': {
      const tenantId = need(values, 'tenant');
      const policy = { allowDocumentInChat: flag(values, 'allow-document-in-chat') };
      return policyViews.release(await connect().setReleasePolicy(tenantId, policy));
    }
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}
