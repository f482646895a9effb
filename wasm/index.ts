// The module's exports: every kernel file re-exported, plus where the free memory starts.
export * from './grad-elementwise';

/** First byte after the module's static data: the JavaScript side's scratch starts here. */
export function heapBase(): usize {
  return __heap_base;
}
