/** Every expected failure of the stack; its message is the one line to show a person. */
export class StackError extends Error {
  override readonly name = 'StackError';
}
