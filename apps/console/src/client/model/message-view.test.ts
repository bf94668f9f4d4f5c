import { describe, expect, it } from 'vitest';
import type { MessageContent } from '../schemas';
import { bodyOf, laterState, messageView } from './message-view';
import { message } from './test-fixtures';

const media = (over: Partial<Extract<MessageContent, { type: 'media' }>>): MessageContent => ({
  type: 'media',
  kind: 'image',
  mimeType: 'image/jpeg',
  caption: null,
  filename: null,
  mediaState: 'stored',
  sizeBytes: 1000,
  ...over,
});

describe('the message rendering model', () => {
  it('shows text as text, on the side of who wrote it', () => {
    const inbound = messageView(
      message({ direction: 'inbound', state: 'received', content: { type: 'text', text: 'Hi' } }),
    );
    expect(inbound).toMatchObject({
      side: 'patient',
      body: { kind: 'text', text: 'Hi' },
      ticks: 'none',
      tickLabel: null,
    });
    expect(messageView(message({ direction: 'outbound' })).side).toBe('hospital');
  });

  it('shows a stored patient image inline and downloadable; a document only as a download', () => {
    expect(bodyOf(media({}), 'inbound')).toMatchObject({
      kind: 'media',
      label: 'Image',
      inlineImage: true,
      downloadable: true,
      notice: null,
    });
    expect(
      bodyOf(media({ kind: 'document', filename: 'lab.pdf', mimeType: 'application/pdf' }), 'inbound'),
    ).toMatchObject({
      label: 'Document',
      filename: 'lab.pdf',
      inlineImage: false,
      downloadable: true,
    });
  });

  it('says when media is still being fetched or could not be, and offers no download then', () => {
    expect(bodyOf(media({ mediaState: 'pending' }), 'inbound')).toMatchObject({
      downloadable: false,
      inlineImage: false,
      notice: 'Still being fetched from WhatsApp…',
    });
    expect(bodyOf(media({ mediaState: 'failed' }), 'inbound')).toMatchObject({
      downloadable: false,
      notice: 'The attachment could not be fetched from WhatsApp.',
    });
  });

  it('renders locations with coordinates and a map link, button and list replies, reactions', () => {
    const location = bodyOf(
      { type: 'location', latitude: 40.4168, longitude: -3.7038, name: 'Clinic', address: 'Calle 1' },
      'inbound',
    );
    expect(location).toMatchObject({
      kind: 'location',
      label: 'Clinic — Calle 1',
      coordinates: '40.41680, -3.70380',
    });
    expect(location.kind === 'location' && location.mapUrl).toContain('mlat=40.4168');
    expect(
      bodyOf({ type: 'reply', kind: 'button', replyId: 'confirm', title: 'Confirm' }, 'inbound'),
    ).toEqual({ kind: 'reply', label: 'Tapped a button', title: 'Confirm' });
    expect(
      bodyOf({ type: 'reply', kind: 'list', replyId: 'x', title: 'Cardiology' }, 'inbound'),
    ).toMatchObject({ label: 'Chose from a list' });
    expect(bodyOf({ type: 'reaction', reactedToMessageId: 'm0', emoji: '👍' }, 'inbound')).toEqual({
      kind: 'reaction',
      label: 'Reacted 👍',
    });
    expect(bodyOf({ type: 'reaction', reactedToMessageId: 'm0', emoji: null }, 'inbound')).toEqual({
      kind: 'reaction',
      label: 'Removed a reaction',
    });
  });

  it('shows templates and interactive messages with their text, and an unsupported type as such', () => {
    expect(
      bodyOf(
        { type: 'template', name: 'appointment_reminder', languageCode: 'es', previewText: 'Hola Ana' },
        'outbound',
      ),
    ).toMatchObject({
      kind: 'note',
      label: 'Template “appointment_reminder”',
      text: 'Hola Ana',
    });
    expect(bodyOf({ type: 'interactive', body: 'Pick one', options: ['A', 'B'] }, 'outbound')).toMatchObject({
      text: 'Pick one',
      options: ['A', 'B'],
    });
    expect(bodyOf({ type: 'unsupported', whatsappType: 'poll' }, 'inbound')).toEqual({
      kind: 'unsupported',
      label: 'A “poll” message that Careline cannot show yet',
    });
  });

  it('gives outbound messages their ticks, and a failure its plain reason', () => {
    for (const state of ['queued', 'sent', 'delivered', 'read'] as const) {
      expect(messageView(message({ state }))).toMatchObject({ ticks: state, failure: null });
    }
    const failed = messageView(
      message({
        status: {
          state: 'failed',
          errorCode: '131047',
          reason: 'More than 24 hours have passed since the patient last wrote.',
          updatedAt: null,
        },
      }),
    );
    expect(failed).toMatchObject({
      ticks: 'failed',
      tickLabel: 'Not delivered',
      failure: 'Not delivered: More than 24 hours have passed since the patient last wrote.',
    });
    expect(messageView(message({ state: 'failed' })).failure).toBe('Not delivered (no reason given)');
  });

  it('never moves the ticks back when statuses arrive out of order', () => {
    expect(laterState('read', 'delivered')).toBe('read');
    expect(laterState('delivered', 'sent')).toBe('delivered');
    expect(laterState('sent', 'read')).toBe('read');
    expect(laterState('queued', 'failed')).toBe('failed');
    expect(laterState('failed', 'delivered')).toBe('failed');
  });
});
