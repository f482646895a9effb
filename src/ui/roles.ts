/** How layer roles read in the app (the vocabulary of MODELS.md). */
export const ROLE_DESCRIPTIONS: Record<string, string> = {
  stem: 'Stem convolution',
  pw1: 'Pointwise expansion (1×1, ReLU6)',
  dw: 'Depthwise convolution (ReLU6)',
  pw2: 'Pointwise projection (1×1, linear)',
  residual: 'Residual add (block input + projection)',
  pool: 'Global average pool',
  classifier: 'Classifier',
};

export function roleDescription(role: string): string {
  return ROLE_DESCRIPTIONS[role] ?? role;
}
