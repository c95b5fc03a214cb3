/**
 * Many platform users for the benchmark. Under load every virtual user must be
 * a different user of the platform, as concurrent launches in a real course are
 * (ltijs, for one, keeps one id_token row per user and fails when the same user
 * launches twice at once). Passed to the DevPlatform as `personaFor`:
 * `login_hint` `bench-user-N` signs in user N.
 */
import { PERSONAS, type Persona } from '../dev/platform';

const PREFIX = 'bench-user-';

/** The login_hint of virtual user `index`. */
export function benchLoginHint(index: number): string {
  return `${PREFIX}${index}`;
}

/** The platform user that `loginHint` names. */
export function benchPersona(loginHint: string): Persona {
  if (!loginHint.startsWith(PREFIX)) return PERSONAS[loginHint as keyof typeof PERSONAS] ?? PERSONAS.instructor;
  const n = loginHint.slice(PREFIX.length);
  return {
    sub: `bench-user-${n}`,
    name: `Bench User ${n}`,
    email: `bench-user-${n}@platform.test`,
    roles: PERSONAS.instructor.roles,
  };
}
