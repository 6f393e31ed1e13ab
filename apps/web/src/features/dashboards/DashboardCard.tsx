import { Link } from 'wouter';
import type { DashboardSummary } from '@sightline/sdk';
import { Menu, type MenuItem } from '../../components/Menu';

export interface DashboardCardProps {
  dashboard: DashboardSummary;
  canWrite: boolean;
  busy: boolean;
  onDuplicate: () => void;
  onDelete: () => void;
}

/** One dashboard in the list: title (the link), description, panel count, built-in badge, actions. */
export function DashboardCard({ dashboard: d, canWrite, busy, onDuplicate, onDelete }: DashboardCardProps) {
  const items: MenuItem[] = [{ label: 'Duplicate', onSelect: onDuplicate, disabled: busy }];
  if (!d.builtin) items.push({ label: 'Delete', onSelect: onDelete, danger: true, disabled: busy });
  return (
    <li className="dashboard-card">
      <div className="dashboard-card-head">
        <h2>
          <Link href={`/dashboards/${encodeURIComponent(d.id)}`}>{d.title}</Link>
        </h2>
        {canWrite && <Menu label={`Actions for ${d.title}`} items={items} />}
      </div>
      {d.description !== undefined && d.description !== '' && <p className="dashboard-card-desc">{d.description}</p>}
      <p className="dashboard-card-meta">
        <span>
          {d.panels} {d.panels === 1 ? 'panel' : 'panels'}
        </span>
        {d.builtin && <span className="badge">Built-in</span>}
      </p>
    </li>
  );
}
