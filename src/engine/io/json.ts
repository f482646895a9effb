/**
 * JSON from outside (schemes, project files, .ttw headers, share links): nesting is bounded before
 * JSON.parse sees the text, so a document nested 100,000 deep is one sentence, not a stack overflow;
 * a leading byte-order mark is accepted. Errors are InputErrors naming the document.
 */
import { InputError } from '../input-error.ts';
import { MAX_JSON_DEPTH } from '../limits.ts';

/** The deepest nesting of arrays and objects in `text` (strings skipped), stopping once past `limit`. */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0, max = 0, inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** Parses `text` as JSON; `what` names the document in messages ("scheme file x.json"). */
export function parseJsonText(text: string, what: string, maxDepth = MAX_JSON_DEPTH): unknown {
  const body = text.replace(/^\ufeff/, '');
  if (jsonDepth(body, maxDepth) > maxDepth) throw new InputError(`${what} nests arrays or objects more than ${maxDepth} levels deep`);
  try {
    return JSON.parse(body);
  } catch (e) {
    throw new InputError(`${what} is not valid JSON (${syntaxError((e as Error).message, body)})`, { cause: e });
  }
}

/**
 * JSON.parse's message made fit for one sentence: without the snippet of the text V8 quotes (which
 * may hold anything, newlines and escape sequences included), with a line and column for a position.
 */
function syntaxError(message: string, text: string): string {
  const m = message
    .replace(/, ".*" is not valid JSON$/s, '')
    .replace(/ in JSON at position (\d+).*$/s, (_, p: string) => {
      const before = text.slice(0, Number(p));
      const line = before.split('\n').length;
      return ` at line ${line}, column ${Number(p) - before.lastIndexOf('\n')}`;
    });
  return m.slice(0, 120).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A plain JSON object (not null, not an array). */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
