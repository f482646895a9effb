/** The training panel, its worker hook and the session's runs; see TrainingPanel.tsx. */
export { TrainingPanel, type TrainingPanelProps } from './TrainingPanel.tsx';
export { useTrainingWorker, type TrainingState, type TrainingStatus } from './useTrainingWorker.ts';
export { useTrainingRuns } from './training-runs.ts';
