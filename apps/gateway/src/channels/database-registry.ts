// The channel registry the gateway runs: channels live in Postgres (table `channels`, credentials
// sealed), and each instance keeps an in-memory snapshot so the webhook path (signature check and
// routing, before any tenant is known) and the sender never wait on the database.
//
// Freshness across instances: every change fires a NOTIFY (trigger in 0002_channels.sql) that each
// instance LISTENs for on a dedicated connection; a short poll covers a lost connection or a missed
// notification. The instance that made a change also reloads at once (`refresh`). A new number
// therefore works everywhere within milliseconds normally, and within `refreshIntervalMs` at worst.
//
// A reload that fails keeps the previous snapshot (logged): a database hiccup must not make every
// number unknown. A channel whose credentials do not open is left out (logged with its id only).
import { type Sealer } from '@careline/crypto';
import { type Pool } from '@careline/db';
import { type Logger, type Resource } from '@careline/runtime';
import { listenForChannelChanges, loadActiveChannels } from '../db/channels';
import { applyBootstrapChannels } from './bootstrap';
import { createCredentialBox } from './credentials';
import { type Channel, type ChannelRegistry, createStaticChannelRegistry } from './registry';

export interface DatabaseChannelRegistry extends ChannelRegistry {
  /** Reloads the snapshot now; concurrent calls share one reload (plus one more if asked meanwhile). */
  refresh(): Promise<void>;
  /** Bootstrap → first load → LISTEN → poll; stop ends the poll and the listening connection. */
  resource: Resource;
}

export interface DatabaseChannelRegistryOptions {
  pool: Pool;
  sealer: Sealer;
  logger: Logger;
  /** GATEWAY_CHANNELS: upserted at start (may be empty). */
  bootstrap: readonly Channel[];
  /** The poll that backs up LISTEN/NOTIFY. */
  refreshIntervalMs: number;
  clock?: () => Date;
}

export function createDatabaseChannelRegistry(options: DatabaseChannelRegistryOptions): DatabaseChannelRegistry {
  const { pool, sealer, logger } = options;
  const clock = options.clock ?? (() => new Date());
  const box = createCredentialBox(sealer);
  let snapshot: ChannelRegistry = createStaticChannelRegistry([]);
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let listener: { close(): void } | undefined;
  let stopped = false;

  async function load(): Promise<void> {
    const rows = await loadActiveChannels(pool);
    const channels: Channel[] = [];
    for (const row of rows) {
      try {
        channels.push({
          phoneNumberId: row.phoneNumberId,
          displayPhoneNumber: row.displayPhoneNumber,
          wabaId: row.wabaId,
          tenantId: row.tenantId,
          accessToken: await box.open(row.tenantId, row.phoneNumberId, 'accessToken', row.accessToken),
          appSecret: await box.open(row.tenantId, row.phoneNumberId, 'appSecret', row.appSecret),
        });
      } catch {
        logger.error({ phone_number_id: row.phoneNumberId, tenant_id: row.tenantId }, 'channel credentials do not open; channel left out of the registry');
      }
    }
    snapshot = createStaticChannelRegistry(channels);
  }

  function refresh(): Promise<void> {
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await load();
        } while (again);
      } finally {
        running = undefined;
      }
    })();
    return running;
  }

  function refreshInBackground(reason: string): void {
    if (stopped) return;
    refresh().catch((error: unknown) => {
      logger.warn({ err: error, reason }, 'channel registry reload failed; keeping the previous snapshot');
    });
  }

  async function listen(): Promise<void> {
    if (stopped) return;
    try {
      const opened = await listenForChannelChanges(pool, {
        onChange: () => refreshInBackground('notify'),
        onError: (error) => {
          listener = undefined;
          logger.warn({ err: error }, 'channel registry lost its LISTEN connection; polling until it is back');
        },
      });
      // Stopped while connecting: give the connection back, or the pool could not end.
      if (stopped) {
        opened.close();
        return;
      }
      listener = opened;
      // Changes made while nobody listened are picked up now.
      refreshInBackground('listen');
    } catch (error) {
      logger.warn({ err: error }, 'channel registry could not LISTEN; polling until it can');
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      void (async () => {
        if (listener === undefined) await listen();
        try {
          await refresh();
        } catch (error) {
          logger.warn({ err: error, reason: 'poll' }, 'channel registry reload failed; keeping the previous snapshot');
        }
        schedule();
      })();
    }, options.refreshIntervalMs);
    timer.unref();
  }

  return {
    byPhoneNumberId: (phoneNumberId) => snapshot.byPhoneNumberId(phoneNumberId),
    byWabaId: (wabaId) => snapshot.byWabaId(wabaId),
    appSecrets: () => snapshot.appSecrets(),
    all: () => snapshot.all(),
    refresh,
    resource: {
      name: 'channel-registry',
      async start() {
        stopped = false;
        if (options.bootstrap.length > 0) {
          await applyBootstrapChannels({ pool, box, logger, channels: options.bootstrap, at: clock() });
        }
        await refresh();
        await listen();
        schedule();
      },
      stop() {
        stopped = true;
        if (timer !== undefined) clearTimeout(timer);
        listener?.close();
        listener = undefined;
        return running?.catch(() => undefined) ?? Promise.resolve();
      },
    },
  };
}
