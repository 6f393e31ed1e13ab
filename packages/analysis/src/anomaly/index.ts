export {
  createDetector,
  detectAnomalies,
  DAY_MS,
  WEEK_MS,
  DEFAULT_DETECTOR_OPTIONS,
  type AnomalyKind,
  type BatchOptions,
  type BatchResult,
  type Detector,
  type DetectorOptions,
  type DetectorPoint,
} from './detector.js';
export { IsolationForest, averagePathLength, type IsolationForestJson, type IsolationForestOptions } from './isolation-forest.js';
