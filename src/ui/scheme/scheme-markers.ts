/**
 * Where a scheme's error sits in its JSON text: the parser's position for a syntax error, the named
 * field (`nBias`, `weights["36"]`, …) for an error the engine reports about a field.
 */
export interface TextRange {
  start: number;
  end: number;
}

export function errorRange(text: string, message: string): TextRange {
  const pos = /position (\d+)/.exec(message);
  if (pos) {
    const at = Math.min(Number(pos[1]), Math.max(0, text.length - 1));
    return { start: at, end: Math.min(text.length, at + 1) };
  }
  const weight = /weights\["(\d+)"\]/.exec(message);
  const field = weight ? `"${weight[1]}"` : /^(\w+):/.exec(message) ? `"${/^(\w+):/.exec(message)![1]}"` : null;
  if (field) {
    const at = text.indexOf(field);
    if (at >= 0) {
      const lineEnd = text.indexOf('\n', at);
      return { start: at, end: lineEnd < 0 ? text.length : lineEnd };
    }
  }
  const firstLine = text.indexOf('\n');
  return { start: 0, end: firstLine < 0 ? text.length : firstLine };
}
