import { describe, expect, it } from 'vitest';
import { notFound } from './errors';
import { REDACTED, SENSITIVE_LOG_KEYS } from './logger';
import { captureLogger } from './test-helpers';
import { runWithTrace } from './trace';

const MARKER = 'PATIENT-MARKER-4f2a';

describe('createLogger', () => {
  it('writes JSON lines with level label, service and message', () => {
    const { logger, records } = captureLogger();
    logger.info({ conversationId: 'c-1' }, 'hello');
    expect(records()[0]).toMatchObject({ level: 'info', service: 'test', conversationId: 'c-1', msg: 'hello' });
  });

  it.each(SENSITIVE_LOG_KEYS)('never writes the value under %s', (key) => {
    const { logger, text } = captureLogger();
    logger.info({ [key]: MARKER }, 'top level');
    logger.info({ event: { [key]: MARKER } }, 'nested');
    logger.child({ [key]: MARKER }).info('child binding');
    expect(text()).not.toContain(MARKER);
    expect(text()).toContain(REDACTED);
  });

  it('scrubs at any depth, inside arrays, under any spelling of a key', () => {
    const { logger, text, records } = captureLogger();
    const webhook = {
      entry: [
        {
          changes: [
            {
              value: {
                contacts: [{ profile: { name: MARKER }, wa_id: MARKER }],
                messages: [{ from: MARKER, text: { body: MARKER }, image: { caption: MARKER, id: 'media-1' } }],
                deeper: { a: { b: { c: { d: { e: { phoneNumber: MARKER, WA_ID: MARKER, 'date-of-birth': MARKER } } } } } },
              },
            },
          ],
        },
      ],
    };
    logger.info({ webhook, headers: { Authorization: `Bearer ${MARKER}`, 'x-hub-signature-256': MARKER } }, 'received');
    expect(text()).not.toContain(MARKER);
    // Ids stay readable.
    expect(text()).toContain('media-1');
    // The caller's object is not modified.
    expect(webhook.entry[0]?.changes[0]?.value.messages[0]?.from).toBe(MARKER);
    expect(records()).toHaveLength(1);
  });

  it('summarises binary data instead of printing it', () => {
    const { logger, text } = captureLogger();
    logger.info({ media: Buffer.from(MARKER) }, 'media fetched');
    expect(text()).not.toContain(MARKER);
    expect(text()).toContain(`[binary ${MARKER.length} bytes]`);
  });

  it("drops the message of an error that is not a DomainError, keeping code and frames", () => {
    const { logger, text, records } = captureLogger();
    const pgError = Object.assign(new Error(`duplicate key value: (phone)=(${MARKER})`), { code: '23505', detail: MARKER });
    logger.error(pgError);
    logger.error({ err: pgError }, pgError.message);
    logger.error({ err: pgError });
    logger.error(pgError, pgError.message);
    logger.warn({ wrapped: new Error('outer', { cause: pgError }) }, 'nested error');
    expect(text()).not.toContain(MARKER);
    const [first] = records();
    expect(first).toMatchObject({ msg: 'Error (23505)', err: { type: 'Error', code: '23505' } });
    expect(String((first?.err as { stack?: string }).stack)).toMatch(/^at /);
  });

  it("keeps a DomainError's safe message and code", () => {
    const { logger, records } = captureLogger();
    logger.warn({ err: notFound('patient_not_found', 'No such patient.', { details: { patientId: 'p-1' } }) });
    expect(records()[0]).toMatchObject({
      msg: 'No such patient.',
      err: { type: 'DomainError', code: 'patient_not_found', kind: 'not_found', message: 'No such patient.', details: { patientId: 'p-1' } },
    });
  });

  it('stamps the current trace id on every line', () => {
    const { logger, records } = captureLogger();
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    runWithTrace(parent, () => logger.info('inside'));
    logger.info('outside');
    const [inside, outside] = records();
    expect(inside).toMatchObject({ trace_id: '0af7651916cd43dd8448eb211c80319c' });
    expect(inside?.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(inside?.span_id).not.toBe('b7ad6b7169203331');
    expect(outside).not.toHaveProperty('trace_id');
  });

  it('scrubs objects interpolated into the message', () => {
    const { logger, text } = captureLogger();
    logger.info('received %o and %j', { text: { body: MARKER } }, { wa_id: MARKER });
    expect(text()).not.toContain(MARKER);
  });

  it('survives circular objects', () => {
    const { logger, text } = captureLogger();
    const loop: Record<string, unknown> = { id: 'l-1' };
    loop.self = loop;
    logger.info({ loop }, 'circular');
    expect(text()).toContain('[circular]');
  });
});
