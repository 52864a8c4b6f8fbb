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

/** Per principal (one per API key, for the process's life): its scope map, made once. */
const granted = new WeakMap<Principal, Readonly<Record<Scope, boolean>>>();

/** The scope map handed to scope-auth: `admin` implies every other scope. */
export function grantedScopes(principal: Principal): Readonly<Record<Scope, boolean>> {
  let scopes = granted.get(principal);
  if (!scopes) {
    const admin = principal.scopes.has('admin');
    scopes = Object.freeze(
      Object.fromEntries(SCOPES.map((s) => [s, admin || principal.scopes.has(s)])) as Record<
        Scope,
        boolean
      >,
    );
    granted.set(principal, scopes);
  }
  return scopes;
}
