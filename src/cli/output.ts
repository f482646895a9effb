/**
 * Everything the command prints goes through here. Names and texts from files (a model's name, a
 * class folder, a path, a message quoting a file) may hold escape sequences or control characters;
 * printed raw they could clear the screen, rewrite earlier lines, set the terminal's title or
 * reverse the text. They are shown escaped instead (\u001b), in text and in JSON alike.
 */

/** C0 controls but newline and tab, DEL, C1 controls, line/paragraph separators, bidi overrides. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Output text with control characters escaped; the newlines and tabs of our own layout stay. */
export function forTerminal(text: string): string {
  return text.replace(CONTROL, escape);
}

/** A name or text from outside, for the middle of a line: newlines and tabs escaped too. */
export function term(text: string): string {
  return forTerminal(text).replace(/[\n\t]/g, escape);
}

/** A line (or lines) of normal output. */
export function out(text: string): void {
  process.stdout.write(`${forTerminal(text)}\n`);
}

/** A line of progress or diagnostics (stderr). */
export function err(text: string): void {
  process.stderr.write(`${forTerminal(text)}\n`);
}

/** The one JSON document of --json (JSON.stringify escapes C0; C1 and bidi characters are escaped here, still valid JSON). */
export function json(doc: unknown): void {
  process.stdout.write(`${forTerminal(JSON.stringify(doc, null, 2))}\n`);
}
