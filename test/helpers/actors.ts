/** Test actors: registered users with tokens, and workspaces with members in given roles. */
import { randomUUID } from 'node:crypto';
import type { Role } from '../../core/domain/roles';
import { requestJson, type JsonResponse } from './http';

/** A registered user and a client that sends their token. */
export interface Actor {
  readonly id: string;
  readonly email: string;
  readonly token: string;
  /** Sends a JSON request as this user (no body → no Content-Type). */
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<JsonResponse<T>>;
}

/** Registers a new user with a unique email on the API at `baseUrl`. */
export async function registerActor(baseUrl: string, name = 'user'): Promise<Actor> {
  const email = `${name}-${randomUUID().slice(0, 8)}@example.test`;
  const response = await requestJson<{ access_token: string; user: { id: string } }>(`${baseUrl}/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: 'correct horse battery staple' }),
  });
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${JSON.stringify(response.body)}`);
  const token = response.body.access_token;
  return {
    id: response.body.user.id,
    email,
    token,
    call: (method, path, body) => callAs(baseUrl, token, method, path, body),
  };
}

/** Sends a request with a bearer token (or none when `token` is undefined). */
export function callAs<T = unknown>(
  baseUrl: string,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return requestJson<T>(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** A workspace owned by an ADMIN, with one member per other role. */
export interface WorkspaceCast {
  readonly workspaceId: string;
  readonly admin: Actor;
  readonly analyst: Actor;
  readonly viewer: Actor;
}

/** Creates a workspace and adds an ANALYST and a VIEWER to it. */
export async function createWorkspaceCast(baseUrl: string, name = 'case'): Promise<WorkspaceCast> {
  const [admin, analyst, viewer] = await Promise.all([
    registerActor(baseUrl, `${name}-admin`),
    registerActor(baseUrl, `${name}-analyst`),
    registerActor(baseUrl, `${name}-viewer`),
  ]);
  const created = await admin.call<{ id: string }>('POST', '/workspaces', { name: `${name} workspace` });
  if (created.status !== 201) throw new Error(`workspace creation failed: ${created.status}`);
  const workspaceId = created.body.id;
  for (const [actor, role] of [[analyst, 'ANALYST'], [viewer, 'VIEWER']] as [Actor, Role][]) {
    const added = await admin.call('POST', `/workspaces/${workspaceId}/members`, { email: actor.email, role });
    if (added.status !== 201) throw new Error(`adding ${role} failed: ${added.status} ${JSON.stringify(added.body)}`);
  }
  return { workspaceId, admin, analyst, viewer };
}

/** Adds a target of `type` to the workspace as `actor`; answers its id (throws unless 201). */
export async function addTarget(actor: Actor, workspaceId: string, type: string, value: string): Promise<string> {
  const response = await actor.call<{ id: string }>('POST', `/workspaces/${workspaceId}/targets/${type}`, { value });
  if (response.status !== 201) throw new Error(`adding ${type} target ${value}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.id;
}
