// Which tenant, display number and WABA a phone_number_id belongs to: for ingest and any other
// service that must place a number. Credentials never leave: the answer is built field by field.
import { type Channel as ChannelView } from '@careline/contracts';
import { invalidArgument, notFound } from '@careline/runtime';
import { type ChannelRegistry } from '../channels/registry';

export function createResolveChannel(registry: ChannelRegistry) {
  return function resolveChannel(phoneNumberId: string): ChannelView {
    if (!/^[0-9]{1,32}$/.test(phoneNumberId)) {
      throw invalidArgument('invalid_phone_number_id', 'phone_number_id must be a string of digits.');
    }
    const channel = registry.byPhoneNumberId(phoneNumberId);
    if (channel === undefined) {
      throw notFound('channel_not_found', 'No channel is registered for this phone_number_id.', { details: { phoneNumberId } });
    }
    return {
      phoneNumberId: channel.phoneNumberId,
      tenantId: channel.tenantId,
      displayPhoneNumber: channel.displayPhoneNumber,
      wabaId: channel.wabaId,
    };
  };
}
