// The module's exports: every kernel file re-exported, plus where the free memory starts.
export * from './grad-elementwise';
export { addInt8 } from './add';
export { convWhole } from './conv-forward';
export { convChain } from './conv-chain';
// The conv backward, the updates and the streamed block kernels.
export * from './sgd';
export * from './conv-backward';
export * from './block-backward';

/** First byte after the module's static data: the JavaScript side's scratch starts here. */
export function heapBase(): usize {
  return __heap_base;
}
