// The lifecycle shape of `@careline/runtime`: what this library returns can be handed to
// `createLifecycle` as is.
export type { Resource } from '@careline/runtime';
