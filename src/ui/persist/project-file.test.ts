import { describe, expect, it } from 'vitest';
import { defaultDoc } from '../store/studio-doc.ts';
import { InputError } from '../../engine/input-error.ts';
import { zooArch } from '../../engine/models/zoo.ts';
import { projectFromFile, projectToFile } from './project-file.ts';

const view = { graphTab: 'backward' as const, memoryView: 'arena' as const, selectedLayer: 'conv21', selectedKernel: null, showPruned: true, collapsedBlocks: [2] };

describe('project files', () => {
  it('round-trips a project', () => {
    const doc = defaultDoc();
    const back = projectFromFile(projectToFile({ name: 'p', doc, view }));
    expect(back.name).toBe('p');
    expect(back.doc.scheme).toEqual(doc.scheme);
    expect(back.doc.target).toEqual(doc.target);
    expect(back.view).toEqual(view);
  });
  it('round-trips a model file as base64', () => {
    const doc = { ...defaultDoc(), origin: { kind: 'file' as const, fileName: 'm.pkl', bytes: new Uint8Array([0, 1, 250, 255]) } };
    const back = projectFromFile(projectToFile({ name: 'f', doc, view }));
    expect(back.doc.origin).toEqual(doc.origin);
  });
  it('refuses corrupt files naming what is wrong', () => {
    const good = JSON.parse(projectToFile({ name: 'p', doc: defaultDoc(), view }));
    expect(() => projectFromFile('{')).toThrow(/not valid JSON/);
    expect(() => projectFromFile('{"a":1}')).toThrow(/not a TinyTrain Studio project/);
    expect(() => projectFromFile(JSON.stringify({ ...good, version: 9 }))).toThrow(/version 9/);
    expect(() => projectFromFile(JSON.stringify({ ...good, doc: { ...good.doc, scheme: { nBias: -1 } } }))).toThrow(/doc.scheme: nBias/);
    expect(() => projectFromFile(JSON.stringify({ ...good, doc: { ...good.doc, origin: { kind: 'zoo', arch: 'resnet' } } }))).toThrow(/not a zoo model/);
    expect(() => projectFromFile(JSON.stringify({ ...good, doc: { ...good.doc, target: { ...good.doc.target, trainBudget: 0 } } }))).toThrow(/trainBudget/);
  });

  it('refuses hostile fields in one sentence naming the field and the limit, before anything is built', () => {
    // At the paper's 128x128 (a new project opens at the demo model's 32x32), so the activation limit below is reached.
    const good = JSON.parse(projectToFile({ name: 'p', doc: { ...defaultDoc(), shape: { resolution: 128, classes: 10 } }, view }));
    const spec = structuredClone(zooArch('mcunet-5fps'));
    const withSpec = (edit: (s: typeof spec) => void) => {
      const s = structuredClone(spec);
      edit(s);
      return JSON.stringify({ ...good, doc: { ...good.doc, origin: { kind: 'zoo', arch: 'mcunet-5fps', spec: s } } });
    };
    const refused = (text: string, pattern: RegExp) => {
      let error: unknown;
      try {
        projectFromFile(text);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(pattern);
    };
    refused(withSpec((s) => { s.blocks[3].kernel = 999; }), /^doc\.origin\.spec: blocks\[3\]\.kernel is 999, outside the allowed 1 to 15$/);
    refused(withSpec((s) => { s.blocks[5].mid = 40_000; }), /^doc\.origin\.spec: blocks\[5\]\.mid is 40,000 channels, outside the allowed 1 to 4,096$/);
    refused(withSpec((s) => { s.blocks = Array(1000).fill(s.blocks[2]); }), /blocks has 1000 blocks, more than the 64 allowed/);
    refused(withSpec((s) => { s.stem = { out: 4096, kernel: 3, stride: 1 }; }), /^doc\.origin\.spec: stem: its output of 4,096 x 128 x 128 takes 64 MB, more than the 16 MB one activation may take$/);
    refused(withSpec((s) => { (s as { stem: unknown }).stem = 'x'; }), /^doc\.origin\.spec: stem must be an object/);
    for (const arch of ['constructor', '__proto__', 'toString']) {
      refused(JSON.stringify({ ...good, doc: { ...good.doc, origin: { kind: 'zoo', arch } } }), new RegExp(`^doc\\.origin\\.arch "${arch}" is not a zoo model$`));
    }
    const target = (t: Record<string, unknown>) => JSON.stringify({ ...good, doc: { ...good.doc, target: { ...good.doc.target, ...t } } });
    refused(target({ sramBytes: 1e26 }), /^doc\.target: sramBytes is [\d,.]+ MB, outside the allowed 1 KB to 64 MB$/);
    refused(target({ flashBytes: 0 }), /^doc\.target: flashBytes is 0 bytes, outside the allowed 1 KB to 64 MB$/);
    refused(target({ trainBudget: 1 }).replace('"trainBudget":1', '"trainBudget":1e999'), /^doc\.target: trainBudget must be a number of bytes, got Infinity$/);
    refused(target({ id: 'x\u001b[2J' }), /^doc\.target\.id "x\\u001b\[2J" is not a target name$/);
    refused(JSON.stringify({ ...good, doc: { ...good.doc, shape: { resolution: 1e6, classes: 10 } } }), /^doc\.shape: resolution is 1,000,000, outside the allowed 8 to 1,024$/);
    refused(JSON.stringify({ ...good, name: 'x'.repeat(10_000) }), /^name must be a text of 1 to 128 characters$/);
    refused(`{"format": "tinytrain-studio-project", "doc": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`, /^the file nests arrays or objects more than 32 levels deep$/);
    refused(JSON.stringify({ ...good, doc: { ...good.doc, scheme: { nBias: 2, weights: { '021': 1 } } } }), /^doc\.scheme: weights\["021"\]: the key must be a conv index written plainly \(21\)$/);
    refused(JSON.stringify({ ...good, doc: { ...good.doc, origin: { kind: 'file', fileName: 'm.pkl', bytesBase64: 'A'.repeat((64 * 1024 * 1024) / 3 * 4 + 8) } } }), /^doc\.origin\.bytesBase64 holds more than the 64 MB a model file may have$/);
  });

  it('accepts a byte-order mark', () => {
    expect(projectFromFile(`\ufeff${projectToFile({ name: 'p', doc: defaultDoc(), view })}`).name).toBe('p');
  });
});
