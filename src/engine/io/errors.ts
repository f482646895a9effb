import { InputError } from '../input-error.ts';

/**
 * A model file that cannot be read: not a zip, truncated, corrupt, too large, or a pickle that
 * asks for something the reader does not allow. The message says what is wrong and where
 * (which zip entry, which byte offset), so it can be shown to the user as is.
 */
export class ModelFileError extends InputError {
  override name = 'ModelFileError';
  /** Byte offset of the problem, in the zip file or in the pickle stream as the message says. */
  readonly offset: number | undefined;

  constructor(message: string, offset?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.offset = offset;
  }
}
