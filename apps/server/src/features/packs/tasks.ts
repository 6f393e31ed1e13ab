import { HOUR, allocate, dailyShape, timeInHour, trend, weeklyShape } from './timeline.js';
import type { DemoEvent, Pack, PackContext } from './types.js';

const PRIORITIES = [['low', 30], ['medium', 40], ['high', 22], ['urgent', 8]] as const;
const MEDIAN_HOURS: Record<string, number> = { low: 30, medium: 16, high: 8, urgent: 3 };
const PROJECTS = ['website', 'mobile-app', 'billing', 'data-platform', 'support'] as const;
const TEAMS = ['platform', 'product', 'growth', 'ops'] as const;
const KINDS = [['task_created', 38], ['task_started', 27], ['task_completed', 28], ['task_overdue', 7]] as const;

/** A task tracker: work happens on weekdays in office hours; urgent tasks close fastest. */
export const tasks: Pack = {
  name: 'tasks',
  source: 'tasks',
  share: 0.12,
  rollupDimensions: ['props.priority', 'props.status', 'props.assignee_team'],
  *events(ctx: PackContext): Generator<DemoEvent> {
    const { line, random, idPrefix } = ctx;
    const quotas = allocate(line, ctx.count, (t) => {
      const d = new Date(t);
      const office = d.getUTCHours() >= 8 && d.getUTCHours() < 19 ? 1 : 0.08;
      return office * dailyShape(d.getUTCHours()) * weeklyShape(d.getUTCDay(), 0.2) * trend(line, t, 1.3);
    });
    let n = 0;
    for (let h = 0; h < quotas.length; h++) {
      const hourStart = line.start + h * HOUR;
      for (let i = 0; i < quotas[h]!; i++) {
        const name = random.weighted(KINDS);
        const priority = random.weighted(PRIORITIES);
        const task = `task-${random.int(Math.max(1, Math.round(ctx.count / 4))).toString(36)}`;
        const event: DemoEvent = {
          id: `${idPrefix}${(n++).toString(36)}`,
          source: 'tasks',
          name,
          ts: timeInHour(random, hourStart, line.end),
          actor: `user-${random.int(30)}`,
          props: {
            task,
            priority,
            project: random.pick(PROJECTS),
            assignee_team: random.pick(TEAMS),
            status: name === 'task_completed' ? 'done' : name === 'task_started' ? 'in_progress' : name === 'task_overdue' ? 'overdue' : 'open',
          },
        };
        if (name === 'task_completed') event.value = Math.round(random.logNormal(MEDIAN_HOURS[priority]!, 0.5) * 10) / 10;
        yield event;
      }
    }
  },
};
