import { describe, expect, it } from 'vitest';
import { GraphError } from './ir/errors.ts';
import { InputError, userMessage } from './input-error.ts';
import { SchemeError } from './train/scheme.ts';

describe('userMessage', () => {
  it("shows a refusal's own sentence, also after it crossed a worker as a plain Error with its name", () => {
    expect(userMessage(new InputError('model.ttw: the field scale is NaN.'))).toBe('model.ttw: the field scale is NaN.');
    expect(userMessage(new GraphError('conv 3 has 0 channels.'))).toBe('conv 3 has 0 channels.');
    const crossed = Object.assign(new Error('scheme.json: "weights" is not an object.'), { name: new SchemeError('x').name });
    expect(userMessage(crossed)).toBe('scheme.json: "weights" is not an object.');
  });

  it('calls anything else a bug of the studio, never a problem with the input, and keeps its text', () => {
    let caught: unknown;
    try {
      (undefined as unknown as { x: number[] }).x.push(1);
    } catch (e) {
      caught = e;
    }
    const m = userMessage(caught);
    expect(m).toMatch(/^Internal error: this is a bug in TinyTrain Studio, not a problem with your input/);
    expect(m).toContain('TypeError: Cannot read properties of undefined');
    expect(userMessage('a string')).toMatch(/^Internal error: .*a string$/);
  });
});
