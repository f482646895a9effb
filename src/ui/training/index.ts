/** The training panel and its worker hook; see TrainingPanel.tsx for how to mount it. */
export { TrainingPanel, type TrainingPanelProps } from './TrainingPanel.tsx';
export { useTrainingWorker, type TrainingState, type TrainingStatus } from './useTrainingWorker.ts';
export { TrainingCharts } from './TrainingCharts.tsx';
