import { parseArgs } from 'node:util';
import type { ApiKeyCreated, User } from '@sightline/protocol';
import { oneTimePassword } from '../features/auth/passwords.js';
import type { Api, ApiResponse } from './api-client.js';
import { renderTable } from './table.js';

/** A mistake in how a command was called: printed as it is, exit code 1. */
export class UsageError extends Error {}

/** The API answered with an error: its problem details are printed, exit code 1. */
export class ApiError extends Error {
  constructor(readonly response: ApiResponse) {
    super(JSON.stringify(response.body, null, 2));
  }
}

type Out = (line: string) => void;

async function call(api: Api, method: Parameters<Api['request']>[0], path: string, body?: unknown): Promise<unknown> {
  const response = await api.request(method, path, body);
  if (response.status >= 400) throw new ApiError(response);
  return response.body;
}

async function findUser(api: Api, emailOrId: string | undefined): Promise<User> {
  if (!emailOrId) throw new UsageError('Name the user by e-mail address or id.');
  const { users } = (await call(api, 'GET', '/v1/users')) as { users: User[] };
  const wanted = emailOrId.toLowerCase();
  const user = users.find((u) => u.email === wanted || u.id === emailOrId);
  if (!user) throw new UsageError(`No user "${emailOrId}".`);
  return user;
}

function userTable(users: User[]): string {
  const columns = ['id', 'email', 'role', 'disabled', 'must_change_password', 'last_login_at'].map((name) => ({ name, type: 'string' }));
  return renderTable(columns, users.map((u) => [u.id, u.email, u.role, u.disabled, u.must_change_password, u.last_login_at]));
}

/** `sightline user create|list|disable|enable|set-role|reset-password`. */
export async function userCommand(api: Api, args: string[], out: Out): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { email: { type: 'string' }, role: { type: 'string', default: 'viewer' }, password: { type: 'string' } },
  });
  switch (action) {
    case 'create': {
      const email = values.email ?? positionals[0];
      if (!email) throw new UsageError('sightline user create --email ADDRESS [--role ROLE] [--password PASSWORD]');
      // Without --password the user gets a one-time password, printed once, to change at first login.
      const password = values.password ?? oneTimePassword();
      const created = (await call(api, 'POST', '/v1/users', { email, password, role: values.role, must_change_password: values.password === undefined })) as User;
      out(`Created ${created.email} (${created.role}, id ${created.id}).`);
      if (values.password === undefined) out(`One-time password (shown once; to be changed at first login): ${password}`);
      return;
    }
    case 'list':
      out(userTable(((await call(api, 'GET', '/v1/users')) as { users: User[] }).users));
      return;
    case 'disable':
    case 'enable': {
      const user = await findUser(api, positionals[0] ?? values.email);
      await call(api, 'PATCH', `/v1/users/${user.id}`, { disabled: action === 'disable' });
      out(`${action === 'disable' ? 'Disabled' : 'Enabled'} ${user.email}${action === 'disable' ? ' and ended their sessions' : ''}.`);
      return;
    }
    case 'set-role': {
      const user = await findUser(api, positionals[0] ?? values.email);
      const role = positionals[1] ?? values.role;
      await call(api, 'PATCH', `/v1/users/${user.id}`, { role });
      out(`${user.email} now has the role ${role}.`);
      return;
    }
    case 'reset-password': {
      const user = await findUser(api, positionals[0] ?? values.email);
      const password = oneTimePassword();
      await call(api, 'PATCH', `/v1/users/${user.id}`, { password });
      out(`Reset the password of ${user.email} and ended their sessions.`);
      out(`One-time password (shown once; to be changed at first login): ${password}`);
      return;
    }
    default:
      throw new UsageError('sightline user create|list|disable|enable|set-role|reset-password …');
  }
}

function days(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const match = /^(\d{1,4})d?$/.exec(raw);
  if (!match || Number(match[1]) < 1) throw new UsageError(`--expires expects a number of days such as 90d, got "${raw}"`);
  return Number(match[1]);
}

const list = (raw: string | undefined) => (raw ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

/** `sightline key create|list|revoke`. */
export async function keyCommand(api: Api, args: string[], out: Out): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { name: { type: 'string' }, scope: { type: 'string', multiple: true }, sources: { type: 'string' }, expires: { type: 'string' } },
  });
  switch (action) {
    case 'create': {
      const scopes = (values.scope ?? []).flatMap(list);
      if (scopes.length === 0 || !values.sources) {
        throw new UsageError('sightline key create --scope ingest|read|admin --sources shop,tasks|* [--name NAME] [--expires 90d]');
      }
      const body = {
        name: values.name ?? `${scopes.join('+')} key for ${values.sources}`,
        scopes,
        sources: list(values.sources),
        ...(values.expires === undefined ? {} : { expires_in_days: days(values.expires) }),
      };
      const created = (await call(api, 'POST', '/v1/keys', body)) as ApiKeyCreated;
      out(`Created key ${created.id} (${created.scopes.join(', ')} on ${created.sources.join(', ')}${created.expires_at ? `, expires ${created.expires_at}` : ''}).`);
      out(`Key (shown once; keep it secret): ${created.key}`);
      return;
    }
    case 'list': {
      const { keys } = (await call(api, 'GET', '/v1/keys')) as { keys: ApiKeyCreated[] };
      const columns = ['id', 'name', 'scopes', 'sources', 'expires_at', 'last_used_at', 'revoked_at'].map((name) => ({ name, type: 'string' }));
      out(renderTable(columns, keys.map((k) => [k.id, k.name, k.scopes.join(','), k.sources.join(','), k.expires_at, k.last_used_at, k.revoked_at])));
      return;
    }
    case 'revoke': {
      const id = positionals[0];
      if (!id) throw new UsageError('sightline key revoke ID');
      await call(api, 'DELETE', `/v1/keys/${encodeURIComponent(id)}`);
      out(`Revoked key ${id}.`);
      return;
    }
    default:
      throw new UsageError('sightline key create|list|revoke …');
  }
}

/** `sightline audit verify`: exit 0 when the chain is whole, 1 naming the first broken link. */
export async function auditCommand(api: Api, args: string[], out: Out): Promise<number> {
  if (args[0] !== 'verify') throw new UsageError('sightline audit verify');
  const result = (await call(api, 'GET', '/v1/audit/verify')) as { ok: boolean; checked: number; first_broken?: { seq: number; reason: string } };
  if (result.ok) {
    out(`The audit trail is intact: ${result.checked} entries, every link checked.`);
    return 0;
  }
  out(`The audit trail is broken at entry ${result.first_broken!.seq}: ${result.first_broken!.reason}.`);
  return 1;
}
