/**
 * A refused input: a file, a name or a number from outside that the engine will not use. The
 * message is one sentence naming the file (when there is one), the field and the rule or limit it
 * breaks, so the CLI prints it and the page shows it as it is.
 *
 * Every reader of outside data throws this class (or a subclass: ModelFileError, SchemeError,
 * DatasetError, ...) for anything wrong with its input. Any other exception escaping a reader is a
 * bug in the reader, never a message for the user; the fuzz suite (tests/fuzz) holds the readers to that.
 */
export class InputError extends Error {
  override name = 'InputError';
}

/** True for the refusals meant for the user (as opposed to bugs). */
export function isInputError(e: unknown): e is InputError {
  return e instanceof InputError;
}

/** Prefixes a refusal with where it came from ("model.ttw: "), keeping its class. */
export function within<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof InputError && !e.message.startsWith(`${where}: `)) e.message = `${where}: ${e.message}`;
    throw e;
  }
}

/** Class names of the refusals, for errors that crossed a worker boundary (comlink keeps name and message, not the class). */
const REFUSAL_NAMES = new Set(['InputError', 'WeightsRecordError', 'LinkError', 'TfliteExportError', 'ModelFileError', 'SchemeError', 'DatasetError', 'IdxError', 'GraphError', 'AnalysisSettingsError', 'ProjectFileError', 'ShareLinkError', 'UsageError']);

/**
 * What the user is told about a failure: a refusal's own sentence, or, for anything else, that it is
 * a defect of the studio (not of their input) with the exception's text for the bug report.
 */
export function userMessage(e: unknown): string {
  if (e instanceof InputError) return e.message;
  if (e instanceof Error && REFUSAL_NAMES.has(e.name)) return e.message;
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return `Internal error: this is a bug in TinyTrain Studio, not a problem with your input or files (nothing was changed). Please report it with this text: ${what}`;
}
