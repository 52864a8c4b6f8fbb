/**
 * What an API key may do. Scopes are checked per field by Pothos's scope-auth plugin
 * (`src/schema/builder.ts`); `admin` grants every scope.
 */
export const SCOPES = [
  'leads:read',
  'leads:write',
  'lists:write',
  'campaigns:trigger',
  'bulk:import',
  'bulk:export',
  'admin',
] as const;

export type Scope = (typeof SCOPES)[number];

/** Who is calling: an API key's name and scopes, or `anonymous` with every scope in open mode. */
export interface Principal {
  readonly name: string;
  readonly scopes: ReadonlySet<Scope>;
}

export const ANONYMOUS: Principal = { name: 'anonymous', scopes: new Set(SCOPES) };

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}

/** The scope map handed to scope-auth: `admin` implies every other scope. */
export function grantedScopes(principal: Principal): Record<Scope, boolean> {
  const admin = principal.scopes.has('admin');
  return Object.fromEntries(SCOPES.map((s) => [s, admin || principal.scopes.has(s)])) as Record<
    Scope,
    boolean
  >;
}
