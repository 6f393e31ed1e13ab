export { type Cell, type ColumnKind, type ColumnSpec, type Table, type Task, Encoder, checkTable, checkTarget } from './table.js';
export { type Model, type ModelKind } from './model.js';
export { GRADIENT_BOOSTING_DEFAULTS, GradientBoostingModel, trainGradientBoosting, type GradientBoostingOptions } from './gradient-boosting.js';
export { RandomForestModel, trainRandomForest, type RandomForestOptions } from './random-forest.js';
export { RidgeModel, trainRidge, type RidgeOptions } from './ridge.js';
export { DEFAULT_MEMBERS, EnsembleModel, trainEnsemble, type EnsembleOptions, type MemberSpec } from './ensemble.js';
export { crossValidate, foldAssignment, type CrossValidationResult, type Trainer } from './cross-validation.js';
export { classificationMetrics, regressionMetrics, type ClassificationMetrics, type RegressionMetrics } from './metrics.js';
export { loadModel } from './load.js';
