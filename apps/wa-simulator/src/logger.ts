// The slice of a pino logger the simulator's modules use; fastify's `app.log` satisfies it, and
// so will @careline/runtime's logger. Log ids and counts only: never bodies, names or numbers.
export interface Logger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}
