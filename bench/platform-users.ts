/**
 * Many platform users for the benchmark. The DevPlatform signs in one of two
 * personas; under load every virtual user must be a different user of the
 * platform, as concurrent launches in a real course are (ltijs, for one, keeps
 * one id_token row per user and fails when the same user launches twice at
 * once). This replaces the platform's `authorize` on that one instance: same
 * checks, same claims, but `login_hint` `bench-user-N` signs in user N.
 */
import { PERSONAS, type DevPlatform, type Persona } from '../dev/platform';

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

export function serveBenchUsers(platform: DevPlatform): void {
  platform.authorize = async (query: URLSearchParams) => {
    const expect: Record<string, string> = { scope: 'openid', response_type: 'id_token', response_mode: 'form_post', prompt: 'none' };
    for (const [name, value] of Object.entries(expect)) {
      if (query.get(name) !== value) throw new Error(`${name} must be ${value}`);
    }
    if (query.get('client_id') !== platform.clientId) throw new Error('unknown client_id');
    const redirectUri = query.get('redirect_uri');
    const nonce = query.get('nonce');
    const state = query.get('state');
    const loginHint = query.get('login_hint');
    if (!redirectUri || !nonce || !state || !loginHint) throw new Error('redirect_uri, nonce, state and login_hint are required');
    const idToken = await platform.sign(platform.launchClaims({ nonce, targetLinkUri: redirectUri, persona: benchPersona(loginHint) }));
    return { redirectUri, idToken, state };
  };
}
