import { describe, expect, it } from 'vitest';
import { defaultDoc } from '../store/studio-doc.ts';
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
});
