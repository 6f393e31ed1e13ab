import { ConfigError, type Config } from '../../config.js';
import type { UserStore } from '../../store/types.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { UserService } from '../users/service.js';
import { oneTimePassword, passwordProblems } from './passwords.js';

/** The e-mail of the first admin when SIGHTLINE_ADMIN_EMAIL is not set. */
export const DEFAULT_ADMIN_EMAIL = 'admin@localhost';

/**
 * On a start with no users at all, creates the first admin: from SIGHTLINE_ADMIN_EMAIL and
 * SIGHTLINE_ADMIN_PASSWORD when set (a weak password stops start-up), else with a random one-time
 * password that `announce` prints once (never the log) and that must be changed at first login.
 */
export async function ensureFirstAdmin(
  config: Config,
  deps: { users: UserStore; userService: UserService; audit: AuditLog; announce: (line: string) => void },
): Promise<void> {
  if ((await deps.users.count()) > 0) return;
  if (config.adminEmail !== undefined && config.adminPassword !== undefined) {
    const problems = passwordProblems(config.adminPassword, config.adminEmail);
    if (problems.length > 0) throw new ConfigError('SIGHTLINE_ADMIN_PASSWORD', problems.join('; '));
    const user = await deps.userService.create({ email: config.adminEmail, password: config.adminPassword, role: 'admin' });
    await deps.audit.record({ actor: 'system', action: 'user.create', target: `user:${user.id}`, outcome: 'success', details: { role: 'admin', first_admin: true } });
    return;
  }
  const password = oneTimePassword();
  const user = await deps.userService.create({ email: DEFAULT_ADMIN_EMAIL, password, role: 'admin', must_change_password: true });
  await deps.audit.record({ actor: 'system', action: 'user.create', target: `user:${user.id}`, outcome: 'success', details: { role: 'admin', first_admin: true, one_time_password: true } });
  deps.announce(
    `First start: created the admin ${DEFAULT_ADMIN_EMAIL} with the one-time password ${password}\n` +
      'It is shown only this once; log in with it and choose your own (POST /v1/auth/password).',
  );
}
