/** Loads any saved model by its `kind`. */
import { AnalysisError } from '../errors.js';
import { EnsembleModel } from './ensemble.js';
import { GradientBoostingModel } from './gradient-boosting.js';
import type { Model } from './model.js';
import { RandomForestModel } from './random-forest.js';
import { RidgeModel } from './ridge.js';

export function loadModel(json: unknown): Model {
  const kind = (json as { kind?: unknown } | null)?.kind;
  switch (kind) {
    case 'gradient_boosting':
      return GradientBoostingModel.fromJSON(json);
    case 'random_forest':
      return RandomForestModel.fromJSON(json);
    case 'ridge':
      return RidgeModel.fromJSON(json);
    case 'ensemble':
      return EnsembleModel.fromJSON(json);
    default:
      throw new AnalysisError('invalid_model', '/model/kind', 'is not a known model kind');
  }
}
