/** The learning rate a model's training starts at, by where its weights come from, and why (shown beside it). */
import { DEMO_RUN } from '../../engine/train/demo-run.ts';
import type { WeightsKind } from '../store/selectors.ts';

export const START_LR: Record<WeightsKind, { value: number; why: string }> = {
  demo: { value: DEMO_RUN.lr, why: 'the demo run’s rate, which npm run pretrain measures to reach its stated accuracy' },
  file: { value: 0.001, why: 'a cautious rate for pretrained int8 weights from a file: it suits the paper’s ImageNet-pretrained models here, which diverge at the small demo model’s 0.01' },
  synthetic: { value: 0.001, why: 'the same rate as the paper’s models' },
};
