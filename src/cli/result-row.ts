// A results row for a model.

import type { Module } from '../nn/module.js';
import { parameterReport, type ParameterReport } from '../compress/compress.js';
import type { ResultRow } from '../report/results.js';
import type { RunState } from './checkpoint.js';

/** `report` (default: the model's parameter report now) lets a caller describe the model as it was before decoding. */
export function resultRow(
  model: Module, state: RunState, options: { label: string; testAccuracy: number; evaluation: 'test' | 'validation'; layers?: string[]; report?: ParameterReport },
): ResultRow {
  const report = options.report ?? parameterReport(model);
  const compressed = Object.keys(state.compression);
  const layers = options.layers ?? compressed;
  const chosen = report.layers.filter((l) => layers.includes(l.layer));
  const layerParameters = chosen.reduce((s, l) => s + l.weightParameters, 0);
  const dense = chosen.reduce((s, l) => s + l.denseWeight, 0);
  const methods = [...new Set(chosen.map((l) => l.method))];
  return {
    label: options.label,
    method: methods.length === 1 ? methods[0]! : methods.join('+') || 'dense',
    model: state.model.name + (state.model.width !== 1 && !['fc2', 'lenet5'].includes(state.model.name) ? ` x${state.model.width}` : ''),
    dataset: state.dataset,
    layers,
    layerParameters: layerParameters > 0 ? layerParameters : report.total,
    ratio: layerParameters > 0 ? dense / layerParameters : 1,
    totalParameters: report.total,
    testAccuracy: options.testAccuracy,
    ...(options.evaluation === 'validation' ? { evaluation: 'validation' as const } : {}),
    seconds: state.seconds,
    config: state.description ?? (compressed.length === 0 ? `${state.epoch} epochs` : ''),
  };
}
