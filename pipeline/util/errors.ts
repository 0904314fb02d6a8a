/** An error whose message is meant for the person running Paperboy: printed as one line, no stack. */
export class UserError extends Error {
  override name = 'UserError';
}
