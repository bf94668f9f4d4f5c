/**
 * The one error the infra tool throws on purpose: its message is a single line (or one line per
 * failed part) that tells a developer what is wrong and what to do, so the CLI prints it as is,
 * without a stack trace.
 */
export class InfraError extends Error {
  override readonly name = 'InfraError';
}

/** A program the tool needs is not installed; the message names it and the apt package. */
export function missingTool(what: string, aptPackage: string): InfraError {
  return new InfraError(`${what} not found; install it with: apt-get install -y ${aptPackage}`);
}
