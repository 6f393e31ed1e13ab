export * from './errors.js';
export * from './event.js';
export * from './query.js';
export * from './auth.js';
export * from './sources.js';
export * from './live.js';
export * from './dashboards.js';
