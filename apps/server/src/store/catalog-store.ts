import type { MetaStore, StoredMetric } from './types.js';

/** The catalog tables: a name and a JSON definition each. */
export type CatalogTable = 'metrics' | 'kpis';

/**
 * The MetaStore interface over the two catalog tables, for both tiers: metrics and KPIs are stored
 * alike, so a tier implements the four table operations once and this maps each interface method
 * onto them. The table name handed down is one of the two constants, never input, so a tier may
 * splice it into its SQL.
 */
export abstract class CatalogStore implements MetaStore {
  protected abstract list(table: CatalogTable): Promise<StoredMetric[]>;
  protected abstract get(table: CatalogTable, name: string): Promise<StoredMetric | undefined>;
  /** Returns true when the entry was created, false when it replaced one. */
  protected abstract put(table: CatalogTable, name: string, definition: Record<string, unknown>): Promise<boolean>;
  /** Returns false when there was no such entry. */
  protected abstract delete(table: CatalogTable, name: string): Promise<boolean>;

  listMetrics(): Promise<StoredMetric[]> {
    return this.list('metrics');
  }

  getMetric(name: string): Promise<StoredMetric | undefined> {
    return this.get('metrics', name);
  }

  putMetric(name: string, definition: Record<string, unknown>): Promise<boolean> {
    return this.put('metrics', name, definition);
  }

  deleteMetric(name: string): Promise<boolean> {
    return this.delete('metrics', name);
  }

  listKpis(): Promise<StoredMetric[]> {
    return this.list('kpis');
  }

  putKpi(name: string, definition: Record<string, unknown>): Promise<boolean> {
    return this.put('kpis', name, definition);
  }

  deleteKpi(name: string): Promise<boolean> {
    return this.delete('kpis', name);
  }
}
