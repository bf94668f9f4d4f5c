// The demo hospital every stack is seeded with: one tenant, one WhatsApp number (with the token and
// app secret Meta would issue) and one staff user. Test stacks make a new one each time; the dev
// launcher keeps one in its state dir so that ids and tokens survive restarts.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type AdminClients, createAdminClients } from '@careline/admin-cli';
import { isDomainError } from '@careline/runtime';
import { z } from 'zod';
import { StackError } from './errors';

const digits = (min: number, max: number) => z.string().regex(new RegExp(`^[0-9]{${min},${max}}$`));

export const StackSeedSchema = z.object({
  tenant: z.object({ id: z.uuid(), name: z.string().min(1) }),
  whatsapp: z.object({
    phoneNumberId: digits(6, 20),
    /** digits only, as Meta writes `display_phone_number` */
    displayPhoneNumber: digits(8, 15),
    wabaId: digits(6, 20),
    accessToken: z.string().min(20),
    appSecret: z.string().min(16),
    /** what the gateway expects in Meta's verification handshake */
    verifyToken: z.string().min(16),
  }),
  staff: z.object({
    subject: z.string().min(1),
    name: z.string().min(1),
    roles: z.array(z.string().min(1)).min(1),
  }),
});

export type StackSeed = z.infer<typeof StackSeedSchema>;

function randomDigits(length: number): string {
  let text = String(randomInt(1, 10));
  while (text.length < length) text += String(randomInt(0, 10));
  return text;
}

/** A fresh demo hospital with random ids and credentials. */
export function generateSeed(): StackSeed {
  return {
    tenant: { id: randomUUID(), name: 'Demo Hospital' },
    whatsapp: {
      phoneNumberId: randomDigits(15),
      // 555 numbers are fictional in the North American plan
      displayPhoneNumber: `1555${randomDigits(7)}`,
      wabaId: randomDigits(15),
      accessToken: `EAAsim${randomBytes(32).toString('base64url')}`,
      appSecret: randomBytes(16).toString('hex'),
      verifyToken: randomBytes(18).toString('base64url'),
    },
    staff: { subject: `nurse-${randomBytes(4).toString('hex')}`, name: 'Nora Nurse', roles: ['nurse'] },
  };
}

/**
 * The seed stored in `file`, or a new one written there (mode 600: it holds credentials). A file
 * that does not parse is an error naming the file, never silently replaced: the demo data in the
 * database belongs to the ids in it.
 */
export async function loadOrCreateSeed(file: string): Promise<{ seed: StackSeed; created: boolean }> {
  let text: string | undefined;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new StackError(
        `${file} is not valid JSON: fix it or delete it (a new demo hospital is then created)`,
      );
    }
    const parsed = StackSeedSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new StackError(
        `${file} is not a valid seed (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}): fix it or delete it`,
      );
    }
    return { seed: parsed.data, created: false };
  }
  const seed = generateSeed();
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, `${JSON.stringify(seed, null, 2)}\n`, { mode: 0o600 });
  return { seed, created: true };
}

/** The team the demo staff member belongs to. */
export const DEMO_TEAM = 'Care team';

/** Already there (a restarted dev stack, or the GATEWAY_CHANNELS bootstrap was first): fine. */
async function unlessExists<T>(action: () => Promise<T>, codes: readonly string[]): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    if (isDomainError(error) && codes.includes(error.code)) return undefined;
    throw error;
  }
}

/**
 * Onboards the demo hospital the way an operator does (tools/admin's clients, actor
 * `operator:stack-seed`): CreateTenant (with the seed's id, so tokens minted for it keep working
 * across restarts), RegisterChannel, a team, the staff member. Idempotent: anything already there
 * is left as it is.
 */
export async function seedDirectory(
  seed: StackSeed,
  targets: { messagingGrpc: string; gatewayGrpc: string },
  connect: (options: { messaging: string; gateway: string; actor: string }) => AdminClients = createAdminClients,
): Promise<void> {
  const clients = connect({ messaging: targets.messagingGrpc, gateway: targets.gatewayGrpc, actor: 'operator:stack-seed' });
  try {
    const tenantId = seed.tenant.id;
    await unlessExists(() => clients.createTenant({ name: seed.tenant.name, timeZone: 'UTC', tenantId }), ['tenant_exists']);
    const { phoneNumberId, displayPhoneNumber, wabaId, accessToken, appSecret } = seed.whatsapp;
    await unlessExists(
      () => clients.registerChannel(tenantId, { phoneNumberId, displayPhoneNumber, wabaId, accessToken, appSecret }),
      ['channel_already_registered'],
    );
    const team =
      (await unlessExists(() => clients.createTeam(tenantId, DEMO_TEAM), ['team_name_taken'])) ??
      (await clients.listTeams(tenantId)).find((t) => t.name.toLowerCase() === DEMO_TEAM.toLowerCase());
    await clients.upsertStaff(tenantId, {
      subject: seed.staff.subject,
      displayName: seed.staff.name,
      roles: seed.staff.roles,
      ...(team === undefined ? {} : { teamIds: [team.id] }),
    });
  } finally {
    clients.close();
  }
}
