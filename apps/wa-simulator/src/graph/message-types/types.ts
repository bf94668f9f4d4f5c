// One module per outbound message type. A type validates its own object (`text`, `template` …)
// and says whether Meta only allows it inside the customer service window. Media, template,
// interactive, reaction and location types are added as modules next to `text.ts` and registered
// in `index.ts`; the send use-case does not change.

export interface OutboundType {
  readonly type: string;
  /** free-form messages need an open customer service window; templates do not */
  readonly needsOpenWindow: boolean;
  /** validates the whole request body's part for this type; throws GraphError */
  parse(body: unknown): unknown;
}
