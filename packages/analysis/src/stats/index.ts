/**
 * Shared numeric helpers: descriptive statistics and distribution functions. Signatures here are
 * stable; every analysis module may import them.
 */
export { MAD_TO_SIGMA, mad, mean, median, quantile, quantileSorted, quantiles, robustSigma, standardDeviation, variance } from './descriptive.js';
export { normalCdf, normalPdf, normalQuantile } from './normal.js';
export { logBeta, logGamma, logRegularizedIncompleteBeta, regularizedIncompleteBeta } from './special.js';
export { tCdf, tPdf, tQuantile, tTwoSidedPValue } from './student-t.js';
