import { MessageMediaKind, MessageMediaState, MessageReplyKind } from '@careline/contracts';
import { describe, expect, it } from 'vitest';
import { type MessageContent, characterCount, decodeContent, encodeContent, previewOf, truncate } from './content';

describe('message content', () => {
  it('round-trips every variant through its stored bytes', () => {
    const contents: MessageContent[] = [
      { $case: 'text', value: { body: 'Hello 👋' } },
      { $case: 'media', value: { kind: MessageMediaKind.MESSAGE_MEDIA_KIND_IMAGE, mimeType: 'image/jpeg', caption: 'x', filename: '', mediaRef: '', state: MessageMediaState.MESSAGE_MEDIA_STATE_STORED, sizeBytes: 12 } },
      { $case: 'location', value: { latitude: 1.5, longitude: -2.25, name: 'Clinic', address: 'Main St' } },
      { $case: 'contacts', value: { names: ['A', 'B'] } },
      { $case: 'reply', value: { kind: MessageReplyKind.MESSAGE_REPLY_KIND_BUTTON, replyId: 'confirm', title: 'Confirm' } },
      { $case: 'reaction', value: { reactedToMessageId: '', emoji: '👍' } },
      { $case: 'template', value: { name: 'reminder', languageCode: 'en_US', previewText: 'See you' } },
      { $case: 'interactive', value: { body: 'Pick one', options: ['a', 'b'] } },
      { $case: 'unsupported', value: { type: 'order' } },
    ];
    for (const content of contents) expect(decodeContent(content.$case, encodeContent(content))).toEqual(content);
  });

  it('previews at most 100 characters on one line, never splitting an emoji', () => {
    const long = `${'a'.repeat(99)}😀😀`;
    expect(previewOf({ $case: 'text', value: { body: long } })).toBe(`${'a'.repeat(99)}😀`);
    expect(previewOf({ $case: 'text', value: { body: '  two\n lines ' } })).toBe('two lines');
    expect(previewOf({ $case: 'unsupported', value: { type: 'x' } })).toBe('');
    expect(truncate('😀😀', 1)).toBe('😀');
  });

  it('counts characters as code points', () => {
    expect(characterCount('😀'.repeat(4096))).toBe(4096);
    expect(characterCount('abc')).toBe(3);
  });
});
