// The api's use-cases: what a REST call means in calls to services. Each is made by a factory from
// its dependencies (the messaging client, a clock), so tests can pass fakes.
import { createGetConversation } from './get-conversation';
import type { InboxDeps } from './deps';
import { createListConversations } from './list-conversations';
import { createListMessages } from './list-messages';
import { createBreakGlass, createSetRestriction } from './restriction';
import { createSendText } from './send-text';

export type { InboxDeps } from './deps';

export function createInboxUseCases(deps: InboxDeps) {
  return {
    listConversations: createListConversations(deps),
    getConversation: createGetConversation(deps),
    listMessages: createListMessages(deps),
    sendText: createSendText(deps),
    setRestriction: createSetRestriction(deps),
    breakGlass: createBreakGlass(deps),
  };
}

export type InboxUseCases = ReturnType<typeof createInboxUseCases>;
