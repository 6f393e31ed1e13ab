/** Correlation between series: Pearson, Spearman, lagged cross-correlation, time alignment. */
export { alignSeries, type AlignedSeries, type AlignOptions, type TimedValue, type Timestamp } from './align.js';
export { crossCorrelation, type CrossCorrelationOptions, type CrossCorrelationResult, type LagCorrelation } from './cross.js';
export { CorrelationError, type CorrelationFailure, type MaybeNumber, type SeriesWithGaps } from './input.js';
export { correlation, pearson, spearman, type CorrelationMethod, type CorrelationOptions, type CorrelationResult } from './pearson.js';
export { averageRanks } from './ranks.js';
