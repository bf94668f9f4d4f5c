// PHI canary: a recognisable marker goes in as a patient's names, MRN and number-free fields, a
// document's title, file name and content, and through the whole release flow. Then the records
// schema is dumped (pg_dump, data included) and every text and bytea column read back, the
// records' Kafka topics read from the broker (and their log segments on disk when the local
// broker keeps them here), and the app's log captured: the marker must appear nowhere in clear.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { TOPICS, auditEvent, recordEvent } from '@careline/contracts';
import { readTopic } from '@careline/bus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Harness,
  latestCode,
  latestLinkToken,
  patientBrowser,
  pdfWith,
  staff,
  startHarness,
} from './int-test-support';

const run = promisify(execFile);
const MARKER = `CANARY${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`;
const DOB = '1966-11-05';
// a local broker started by tools/infra keeps its segments here (absent with testcontainers)
const KAFKA_DATA = path.resolve(import.meta.dirname, '../../../.local/kafka/data');

describe('PHI canary', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('finds the marker nowhere in clear: database dump, every text/bytea column, Kafka, logs', async () => {
    const tenant = randomUUID();
    const { patient } = await h.api.createPatient(
      {
        patient: {
          mrn: `${MARKER}-MRN`,
          givenName: `${MARKER}given`,
          familyName: `${MARKER}family`,
          dateOfBirth: DOB,
          waId: '4917612345678',
          preferredLanguage: 'en',
        },
      },
      staff(tenant),
    );
    const content = pdfWith(`${MARKER} potassium 6.1 mmol/L`);
    const { document } = await h.api.uploadDocument(
      {
        patientId: patient!.id,
        title: `${MARKER} title`,
        fileName: `${MARKER}.pdf`,
        declaredContentType: 'application/pdf',
        content,
        idempotencyKey: randomUUID(),
      },
      staff(tenant),
    );
    await h.api.shareDocument(
      { documentId: document!.id, expiresInMinutes: 0, idempotencyKey: randomUUID() },
      staff(tenant),
    );
    const token = latestLinkToken(h.messaging);
    const browser = patientBrowser(h.baseUrl);
    await browser.post(`/r/${token}/dob`, { dob: '1966-11-06' });
    await browser.post(`/r/${token}/dob`, { dob: DOB });
    await browser.post(`/r/${token}/code`, { code: latestCode(h.messaging) });
    const downloaded = Buffer.from(await (await browser.get(`/r/${token}/document`)).arrayBuffer());
    // the flow worked, so the marker really went in and comes out where it should
    expect(downloaded.includes(MARKER)).toBe(true);
    await h.api.searchPatients(
      { query: { $case: 'mrn', value: `${MARKER}-MRN` }, pageSize: 0 },
      staff(tenant),
    );

    // 1. pg_dump of the records schema, data included
    const dump = await run('pg_dump', ['--schema=records', '--data-only', '--inserts', h.db.url], {
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(dump.stdout).toContain('INSERT INTO records.documents');
    expect(dump.stdout.includes(MARKER)).toBe(false);
    expect(dump.stdout.toLowerCase().includes(MARKER.toLowerCase())).toBe(false);

    // 2. every text and bytea column of every records table, raw
    const columns = await h.db.adminPool.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
       WHERE table_schema = 'records' AND data_type IN ('text', 'bytea', 'character varying', 'jsonb')`,
    );
    expect(columns.rows.length).toBeGreaterThan(10);
    for (const { table_name: table, column_name: column } of columns.rows) {
      const values = await h.db.adminPool.query<{ v: Buffer | string | null }>(
        `SELECT "${column}" AS v FROM records."${table}"`,
      );
      for (const { v } of values.rows) {
        if (v === null) continue;
        const bytes = typeof v === 'string' ? Buffer.from(v) : v;
        expect(bytes.includes(MARKER), `${table}.${column}`).toBe(false);
      }
    }

    // 3. what records put on Kafka (audit and record events): read back from the broker
    // the last event of each topic (the outbox relays asynchronously): the search, the download
    const last = {
      [TOPICS.auditEvents]: (value: Buffer) => auditEvent.decode(value).action === 'patient.searched',
      [TOPICS.recordEvents]: (value: Buffer) =>
        recordEvent.decode(value).event?.$case === 'documentDownloaded',
    };
    for (const topic of [TOPICS.auditEvents, TOPICS.recordEvents] as const) {
      const records = await readTopic(h.kafka, topic, {
        until: (read) => read.some((record) => record.value !== null && last[topic](record.value)),
        timeoutMs: 30_000,
      });
      expect(records.length).toBeGreaterThanOrEqual(4);
      for (const record of records) {
        expect(record.value?.includes(MARKER), topic).toBe(false);
        expect(record.key ?? '').not.toContain(MARKER);
        expect(JSON.stringify(record.headers)).not.toContain(MARKER);
      }
    }
    // ... and the broker's segment files of this test's topics, when they are on this machine
    if (existsSync(KAFKA_DATA)) {
      const prefix = h.kafka.topicPrefix;
      const dirs = readdirSync(KAFKA_DATA).filter((dir) => prefix !== '' && dir.startsWith(prefix));
      expect(dirs.length).toBeGreaterThan(0);
      for (const dir of dirs) {
        for (const file of readdirSync(path.join(KAFKA_DATA, dir)).filter((f) => f.endsWith('.log'))) {
          expect(readFileSync(path.join(KAFKA_DATA, dir, file)).includes(MARKER), `${dir}/${file}`).toBe(
            false,
          );
        }
      }
    }

    // 4. the app's own log
    expect(h.logs.text()).not.toContain(MARKER);
    expect(h.logs.text()).not.toContain(DOB);
    expect(h.logs.text()).not.toContain(token);
  });
});
