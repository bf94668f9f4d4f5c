// The last line of every app's main.ts. A process that cannot start says why in ONE line on
// stderr (`gateway: KAFKA_BROKERS is required`) and exits 1: operators read the first line of a
// crash-looping pod, so it must be the cause, not a stack of follow-on errors.
import { writeSync } from 'node:fs';
import { ConfigError } from './config';
import { isDomainError } from './errors';
import { setSpanExporter } from './trace';
import { otlpExporterFromEnv } from './trace-export';

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** A one-line description of a startup failure: message, else code, else name; then its causes. */
export function describeError(error: unknown, depth = 0): string {
  if (!(error instanceof Error)) return oneLine(String(error));
  let text = oneLine(error.message);
  if (error instanceof AggregateError && error.errors.length > 0 && depth < 3) {
    // Node reports "connect ECONNREFUSED" for each address tried as an AggregateError with an empty message.
    const inner = [...new Set((error.errors as unknown[]).map((e) => describeError(e, depth + 1)))].join('; ');
    text = text ? `${text} (${inner})` : inner;
  }
  if (!text) {
    const code = (error as { code?: unknown }).code;
    text = typeof code === 'string' ? code : error.name;
  }
  if (error.cause !== undefined && depth < 3) {
    const cause = describeError(error.cause, depth + 1);
    // Wrappers such as StartupError already quote their cause.
    if (!text.includes(cause)) text = `${text}: ${cause}`;
  }
  return text;
}

export interface RunMainOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Where the line goes; stderr by default (written synchronously so it is not lost on exit). */
  writeErr?: (text: string) => void;
  exit?: (code: number) => void;
}

/**
 * Runs an app's startup. When `main` throws, prints `<name>: <reason>` on stderr and exits 1;
 * the stack follows only when LOG_LEVEL is debug or trace. When it resolves, the process keeps
 * running on its servers and signal handlers.
 */
export async function runMain(name: string, main: () => Promise<unknown>, options: RunMainOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const writeErr = options.writeErr ?? ((text: string) => void writeSync(2, text));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  try {
    // Span export is opt-in (OTEL_EXPORTER_OTLP_ENDPOINT); installed before main so that every
    // request and event of the process is reported. Its failures are one line on stderr.
    setSpanExporter(otlpExporterFromEnv(name, env, (message) => writeErr(`${name}: ${message}\n`)));
    await main();
  } catch (error) {
    const reason =
      error instanceof ConfigError
        ? `invalid configuration: ${error.message}`
        : isDomainError(error)
          ? `${error.code}: ${error.message}`
          : describeError(error);
    let text = `${name}: ${reason}\n`;
    const level = env.LOG_LEVEL?.trim().toLowerCase();
    if ((level === 'debug' || level === 'trace') && error instanceof Error && error.stack) {
      text += `${error.stack}\n`;
    }
    writeErr(text);
    exit(1);
  }
}
