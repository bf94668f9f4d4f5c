// The reminder-clock benchmark (`npm run bench -- reminders [--quick]`): scheduling runs as it
// ships (its bundle, its own role, btree_gist created by the stack) over a database filled with
// appointments across many tenants, each with a reminder on the clock. A burst of reminders then
// falls due at one instant and the app's own dispatcher (FOR UPDATE SKIP LOCKED batches) works
// through it. Printed per run: dispatch lag (due time → send request written, the moment the
// send command exists) p50/p99, reminders dispatched per second, and beside them the raw database
// rate of the due-reminder query (the claim statement alone, from one connection, rolled back) in
// the same run. Two runs with the same number due and 10× more stored show that a tick costs the
// rows due, not the rows stored: the ratio of their per-tick costs should be near 1.
//
// The rows are written with generate_series by the admin connection (sealed numbers of the due
// reminders are real, the others opaque bytes nobody opens); messaging is not started, so the
// sender's calls fail fast and back off: sending is not what this measures.
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Sealed, WA_ID_HASH_PURPOSE } from '@careline/contracts';
import { createLocalKeyProvider, createSealer, parseMasterKey } from '@careline/crypto';
import { type Pool, createPool } from '@careline/db';
import { ensureInfra } from '@careline/infra';
import { startStack } from '@careline/stack';
import { sortedPercentile } from './stats';
import { formatMs, formatRate, formatRatio, formatTable } from './table';

export interface ReminderBenchConfig {
  name: 'full' | 'quick';
  /** Appointments stored in the two runs (each with one reminder on the clock). */
  stored: readonly [number, number];
  /** Reminders due at the burst instant, the same in both runs. */
  due: number;
  tenants: number;
  /** REMINDER_BATCH_SIZE of the app. */
  batchSize: number;
  /** How long the raw-query measurement runs. */
  rawSeconds: number;
  /** Bursts per stored size; the best is kept (the machine is shared and noisy). */
  rounds: number;
}

export const FULL_CONFIG: ReminderBenchConfig = { name: 'full', stored: [100_000, 1_000_000], due: 20_000, tenants: 500, batchSize: 100, rawSeconds: 2, rounds: 3 };
export const QUICK_CONFIG: ReminderBenchConfig = { name: 'quick', stored: [10_000, 100_000], due: 5_000, tenants: 100, batchSize: 100, rawSeconds: 1, rounds: 2 };

export interface RunFigures {
  stored: number;
  due: number;
  dispatched: number;
  lagP50Ms: number | undefined;
  lagP99Ms: number | undefined;
  /** reminders dispatched per second, first due to last dispatched */
  perSecond: number | undefined;
  /** ms of one tick (a batch) at that rate */
  tickMs: number | undefined;
  /** the claim statement alone: rows per second and ms per statement */
  rawRowsPerSecond: number;
  rawStatementMs: number;
  /** pages the claim statement touched (EXPLAIN ANALYZE BUFFERS) and how it scanned */
  claimBuffers: number;
  claimScan: string;
  seedSeconds: number;
}

export interface ReminderBenchResult {
  config: ReminderBenchConfig;
  runs: RunFigures[];
  problems: string[];
}

const CLINICIANS_PER_TENANT = 10;
/** The due-reminder query inside the app's firing statement (apps/scheduling/src/db/reminders.ts fireDueTimers). */
const CLAIM_SQL = `SELECT id FROM scheduling.clock WHERE due_at <= $1 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED`;

async function seedTenants(admin: Pool, tenants: number): Promise<void> {
  await admin.query(
    `INSERT INTO scheduling.sites (tenant_id, id, name, time_zone, updated_at)
     SELECT md5('t' || g)::uuid, md5('s' || g)::uuid, 'Site', 'UTC', now() FROM generate_series(0, $1 - 1) g`,
    [tenants],
  );
  await admin.query(
    `INSERT INTO scheduling.clinics (tenant_id, id, site_id, name, updated_at)
     SELECT md5('t' || g)::uuid, md5('k' || g)::uuid, md5('s' || g)::uuid, 'Clinic', now() FROM generate_series(0, $1 - 1) g`,
    [tenants],
  );
  await admin.query(
    `INSERT INTO scheduling.appointment_types (tenant_id, id, name, mode, duration_minutes, updated_at)
     SELECT md5('t' || g)::uuid, md5('y' || g)::uuid, 'Visit', 'in_person', 30, now() FROM generate_series(0, $1 - 1) g`,
    [tenants],
  );
  // two clinician sets per tenant: the stored appointments' and the due burst's (no overlaps)
  await admin.query(
    `INSERT INTO scheduling.clinicians (tenant_id, id, clinic_id, display_name, updated_at)
     SELECT md5('t' || t)::uuid, md5(p || t || '-' || c)::uuid, md5('k' || t)::uuid, 'Dr Bench', now()
       FROM generate_series(0, $1 - 1) t, generate_series(0, $2 - 1) c, unnest(ARRAY['c', 'd']) p`,
    [tenants, CLINICIANS_PER_TENANT],
  );
}

/** `count` appointments (ids from `prefix`) with one reminder each, due `dueAt(g)`; 30-minute slots per clinician. */
async function seedAppointments(admin: Pool, options: { prefix: string; clinicians: 'c' | 'd'; count: number; tenants: number; startsAt: Date; dueAtSql: string }): Promise<void> {
  const chunk = 100_000;
  for (let from = 0; from < options.count; from += chunk) {
    const to = Math.min(options.count, from + chunk) - 1;
    await admin.query(
      `INSERT INTO scheduling.appointments (tenant_id, id, clinic_id, clinician_id, appointment_type_id, mode, starts_at, ends_at, state,
         wa_id_hash, wa_id_sealed, language, created_at, updated_at)
       SELECT md5('t' || (g % $3))::uuid, md5($1 || g)::uuid, md5('k' || (g % $3))::uuid,
              md5($2 || (g % $3) || '-' || ((g / $3) % ${CLINICIANS_PER_TENANT}))::uuid, md5('y' || (g % $3))::uuid, 'in_person',
              $4::timestamptz + (g / ($3 * ${CLINICIANS_PER_TENANT})) * interval '30 minutes',
              $4::timestamptz + (g / ($3 * ${CLINICIANS_PER_TENANT})) * interval '30 minutes' + interval '30 minutes',
              'booked', md5('w' || g), '\\x00'::bytea, 'en_US', now(), now()
         FROM generate_series($5::int, $6::int) g`,
      [options.prefix, options.clinicians, options.tenants, options.startsAt, from, to],
    );
    await admin.query(
      `INSERT INTO scheduling.reminders (tenant_id, id, appointment_id, stage, due_at, state, created_at)
       SELECT md5('t' || (g % $2))::uuid, md5('r' || $1 || g)::uuid, md5($1 || g)::uuid, '24h', ${options.dueAtSql}, 'pending', now()
         FROM generate_series($3::int, $4::int) g`,
      [options.prefix, options.tenants, from, to],
    );
    await admin.query(
      `INSERT INTO scheduling.clock (id, tenant, kind, appointment_id, due_at)
       SELECT id, tenant_id, 'reminder', appointment_id, due_at FROM scheduling.reminders
        WHERE id IN (SELECT md5('r' || $1 || g)::uuid FROM generate_series($2::int, $3::int) g)`,
      [options.prefix, from, to],
    );
  }
}

/** Real sealed numbers for the due burst, so the app's sender can open them (as the app seals them at rest). */
async function sealDueNumbers(admin: Pool, masterKeyFile: string, prefix: string, count: number): Promise<void> {
  const sealer = createSealer(createLocalKeyProvider({ masterKey: parseMasterKey((await fs.readFile(masterKeyFile, 'utf8')).trim()) }));
  const { rows } = await admin.query<{ tenant_id: string; id: string }>(
    `SELECT tenant_id, id FROM scheduling.appointments WHERE id IN (SELECT md5($1 || g)::uuid FROM generate_series(0, $2 - 1) g)`,
    [prefix, count],
  );
  const ids: string[] = [];
  const sealed: Buffer[] = [];
  const hashes: string[] = [];
  for (const row of rows) {
    const waId = `54${String(randomBytes(5).readUIntBE(0, 5) % 1e10).padStart(10, '0')}`;
    ids.push(row.id);
    sealed.push(Buffer.from(Sealed.encode(await sealer.seal(row.tenant_id, waId, `scheduling:appointment:${row.id}:wa_id`)).finish()));
    hashes.push(await sealer.blindIndex(row.tenant_id, WA_ID_HASH_PURPOSE, waId));
  }
  await admin.query(
    `UPDATE scheduling.appointments a SET wa_id_sealed = u.sealed, wa_id_hash = u.hash
       FROM unnest($1::uuid[], $2::bytea[], $3::text[]) AS u(id, sealed, hash) WHERE a.id = u.id`,
    [ids, sealed, hashes],
  );
}

/** The claim statement alone, as fast as one connection runs it, each in a rolled-back transaction. */
async function rawClaimRate(admin: Pool, at: Date, batch: number, seconds: number): Promise<{ rowsPerSecond: number; statementMs: number }> {
  const client = await admin.connect();
  try {
    let statements = 0;
    let rows = 0;
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      await client.query('BEGIN');
      rows += (await client.query(CLAIM_SQL, [at, batch])).rowCount ?? 0;
      await client.query('ROLLBACK');
      statements += 1;
    }
    const elapsed = performance.now() - started;
    return { rowsPerSecond: (rows / elapsed) * 1000, statementMs: elapsed / statements };
  } finally {
    client.release();
  }
}

/** Buffers (8 kB pages) the claim statement touches, from its plan: a count that machine noise does not change. */
async function claimBuffers(admin: Pool, at: Date, batch: number): Promise<{ buffers: number; scan: string }> {
  const client = await admin.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${CLAIM_SQL}`, [at, batch]);
    await client.query('ROLLBACK');
    const plan = (rows[0]?.['QUERY PLAN'] as { Plan: PlanNode }[] | undefined)?.[0]?.Plan;
    const scans: string[] = [];
    const walk = (node: PlanNode | undefined): void => {
      if (node === undefined) return;
      if (node['Node Type'].includes('Scan')) scans.push(`${node['Node Type']}${node['Index Name'] === undefined ? '' : ` (${node['Index Name']})`}`);
      for (const child of node.Plans ?? []) walk(child);
    };
    walk(plan);
    return { buffers: (plan?.['Shared Hit Blocks'] ?? 0) + (plan?.['Shared Read Blocks'] ?? 0), scan: scans.join(', ') };
  } finally {
    client.release();
  }
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

interface BurstFigures {
  lags: number[];
  dispatched: number;
  perSecond: number | undefined;
  raw: { rowsPerSecond: number; statementMs: number };
}

/** One burst of `due` reminders falling due at one instant; `round` keeps each burst's rows apart. */
async function burst(admin: Pool, config: ReminderBenchConfig, masterKeyFile: string, round: number, signal: AbortSignal, problems: string[]): Promise<BurstFigures> {
  const prefix = `b${round}`;
  const burstAt = new Date(Date.now() + 3_600_000);
  await seedAppointments(admin, { prefix, clinicians: 'd', count: config.due, tenants: config.tenants, startsAt: new Date(burstAt.getTime() + (round + 1) * 86_400_000), dueAtSql: `'${burstAt.toISOString()}'::timestamptz` });
  await sealDueNumbers(admin, masterKeyFile, prefix, config.due);
  await admin.query('VACUUM (ANALYZE) scheduling.clock');
  const raw = await rawClaimRate(admin, new Date(burstAt.getTime() + 1000), config.batchSize, config.rawSeconds);
  // the burst falls due now: move its clock rows' due time to this instant
  const dueAt = new Date(Date.now() + 500);
  await admin.query('UPDATE scheduling.clock SET due_at = $1 WHERE due_at = $2', [dueAt, burstAt]);
  const deadline = Date.now() + 10 * 60_000;
  let dispatched = 0;
  while (Date.now() < deadline && !signal.aborted) {
    const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM scheduling.send_requests WHERE due_at = $1', [dueAt]);
    dispatched = rows[0]?.n ?? 0;
    if (dispatched >= config.due) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (dispatched < config.due) problems.push(`round ${round}: only ${dispatched} of ${config.due} dispatched`);
  const { rows: lagRows } = await admin.query<{ ms: number }>(
    // the send request's creation (the dispatcher's clock) minus the due time; messaging is down in
    // this benchmark, so the requests stay for us to read
    `SELECT (extract(epoch FROM created_at - due_at) * 1000)::float8 AS ms FROM scheduling.send_requests WHERE due_at = $1 ORDER BY 1`,
    [dueAt],
  );
  const lags = lagRows.map((row) => row.ms);
  const last = lags.at(-1);
  return { lags, dispatched, perSecond: last === undefined || last <= 0 ? undefined : (lags.length / last) * 1000, raw };
}

export async function runReminderBench(config: ReminderBenchConfig, io: { log: (line: string) => void; signal: AbortSignal }): Promise<ReminderBenchResult> {
  const { log } = io;
  const problems: string[] = [];
  const infra = await ensureInfra({ log: (line) => log(`infra: ${line}`) });
  log('starting scheduling (fresh database, its own role, btree_gist, random topic prefix)…');
  const stack = await startStack({
    databaseUrl: infra.databaseUrl,
    kafkaBrokers: infra.kafkaBrokers,
    label: 'bench-reminders',
    apps: ['scheduling'],
    logLevel: 'error',
    topicPartitions: 2,
    env: {
      scheduling: {
        REMINDER_TICK: '100ms',
        REMINDER_BATCH_SIZE: String(config.batchSize),
        // nothing listens there: sends fail fast and back off (sending is not measured here)
        MESSAGING_GRPC_URL: '127.0.0.1:9',
        DATABASE_POOL_MAX: '6',
      },
    },
    log: (line) => log(`stack: ${line}`),
  });
  const admin = createPool({ url: stack.database.adminUrl, applicationName: 'bench-reminders', max: 3, statementTimeoutMs: 0 });
  const runs: RunFigures[] = [];
  try {
    await seedTenants(admin, config.tenants);
    for (const stored of config.stored) {
      if (io.signal.aborted) break;
      await admin.query('TRUNCATE scheduling.clock, scheduling.send_requests, scheduling.reminders, scheduling.appointments CASCADE');
      log(`${stored.toLocaleString('en')} stored: seeding…`);
      const seedStarted = performance.now();
      // stored: due in 60 days and later, one per second
      await seedAppointments(admin, { prefix: 'a', clinicians: 'c', count: stored - config.due, tenants: config.tenants, startsAt: new Date(Date.now() + 61 * 86_400_000), dueAtSql: `now() + interval '60 days' + g * interval '1 second'` });
      // what a long-running database has: statistics, a visibility map and hint bits set. Without
      // it autovacuum wakes up on the fresh million rows in the middle of the measurement.
      await admin.query('VACUUM (ANALYZE) scheduling.clock, scheduling.reminders, scheduling.appointments');
      const seedSeconds = (performance.now() - seedStarted) / 1000;
      log(`  seeded in ${seedSeconds.toFixed(1)} s; ${config.rounds} bursts of ${config.due.toLocaleString('en')} due (best kept: the machine is shared)`);
      let best: BurstFigures | undefined;
      let bestRaw: BurstFigures['raw'] | undefined;
      for (let round = 0; round < config.rounds && !io.signal.aborted; round += 1) {
        const figures = await burst(admin, config, stack.files.masterKey, round, io.signal, problems);
        log(`  round ${round + 1}: ${formatRate(figures.perSecond)}/s, lag p50 ${formatMs(sortedPercentile(figures.lags, 50))} p99 ${formatMs(sortedPercentile(figures.lags, 99))}; raw claim ${formatMs(figures.raw.statementMs)}`);
        if (best === undefined || (figures.perSecond ?? 0) > (best.perSecond ?? 0)) best = figures;
        if (bestRaw === undefined || figures.raw.statementMs < bestRaw.statementMs) bestRaw = figures.raw;
      }
      if (best === undefined || bestRaw === undefined) break;
      // the claim's plan over the stored rows plus one more due burst (not fired)
      const probeAt = new Date(Date.now() + 7_200_000);
      await seedAppointments(admin, { prefix: 'p', clinicians: 'd', count: config.due, tenants: config.tenants, startsAt: new Date(probeAt.getTime() + 30 * 86_400_000), dueAtSql: `'${probeAt.toISOString()}'::timestamptz` });
      const plan = await claimBuffers(admin, new Date(probeAt.getTime() + 1000), config.batchSize);
      runs.push({
        stored,
        due: config.due,
        dispatched: best.dispatched,
        lagP50Ms: sortedPercentile(best.lags, 50),
        lagP99Ms: sortedPercentile(best.lags, 99),
        perSecond: best.perSecond,
        tickMs: best.perSecond === undefined ? undefined : (config.batchSize / best.perSecond) * 1000,
        rawRowsPerSecond: bestRaw.rowsPerSecond,
        rawStatementMs: bestRaw.statementMs,
        claimBuffers: plan.buffers,
        claimScan: plan.scan,
        seedSeconds,
      });
    }
  } finally {
    await admin.end();
    await stack.stop();
  }
  return { config, runs, problems };
}

export function formatReminderSummary(result: ReminderBenchResult): string {
  const rows = result.runs.map((run) => [
    run.stored.toLocaleString('en'),
    run.due.toLocaleString('en'),
    formatMs(run.lagP50Ms),
    formatMs(run.lagP99Ms),
    formatRate(run.perSecond),
    formatMs(run.tickMs),
    formatRate(run.rawRowsPerSecond),
    formatMs(run.rawStatementMs),
    run.claimBuffers,
  ]);
  const [small, large] = result.runs;
  const tickRatio = small?.tickMs !== undefined && large?.tickMs !== undefined ? large.tickMs / small.tickMs : undefined;
  const rawRatio = small !== undefined && large !== undefined ? large.rawStatementMs / small.rawStatementMs : undefined;
  const pageRatio = small !== undefined && large !== undefined && small.claimBuffers > 0 ? large.claimBuffers / small.claimBuffers : undefined;
  return [
    `reminders (${result.config.name}): ${result.config.tenants} tenants, batch ${result.config.batchSize}, one scheduling process`,
    formatTable(['stored', 'due', 'lag p50', 'lag p99', 'dispatched/s', 'tick', 'raw query rows/s', 'raw stmt', 'claim pages'], rows),
    `claim plan: ${result.runs.map((run) => run.claimScan).join(' | ')}`,
    `tick cost, ${large?.stored.toLocaleString('en') ?? '?'} vs ${small?.stored.toLocaleString('en') ?? '?'} stored (same due): ${formatRatio(tickRatio)} (raw claim statement: ${formatRatio(rawRatio)}; pages touched: ${formatRatio(pageRatio)}); ~1.0× means the cost follows the rows due, not the rows stored`,
    ...result.problems.map((problem) => `problem: ${problem}`),
  ].join('\n');
}
