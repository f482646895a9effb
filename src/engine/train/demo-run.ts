/**
 * The Train tab's default run on the shipped demo project (public/models/tinytrain-demo.ttw on
 * public/demo/fashion-demo.bin): the panel starts from these settings, and `npm run pretrain`
 * measures them on the files it writes, so what a newcomer gets from one click is a stated figure.
 */
export const DEMO_RUN = {
  scheme: 'last-6',
  /** The demo model's pretraining resolution: small enough for a run of a minute or so in the page. */
  resolution: 32,
  epochs: 2,
  lr: 0.01,
  /** Validation split of the demo images (a fifth of them, class-balanced). */
  splitSeed: 1,
} as const;
