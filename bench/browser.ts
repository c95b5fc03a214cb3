/**
 * The load generator's browser: one virtual user with its own keep-alive
 * connections and cookie jar, doing what a browser does in a complete LTI
 * launch (login → platform auth → auto-posted form → tool's redirects → page).
 */
import http from 'node:http';
import { parseAutoPostForm } from '../dev/platform';
import type { ToolInfo } from './child';

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What the platform's launch link sends to the tool's login. */
export interface LaunchInput {
  issuer: string;
  clientId: string;
  deploymentId: string;
  loginHint: string;
  /** Text the launched page must contain (the user's name). */
  expect: string;
}

const REQUEST_TIMEOUT_MS = 10_000;
const MAX_REDIRECTS = 5;

export class LaunchError extends Error {}

/** Cookies of one origin, by name, as a browser keeps them (path and expiry aside). */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  store(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => {
        const [key, v = ''] = a.trim().split('=');
        if (key.toLowerCase() === 'max-age') return Number(v) <= 0;
        if (key.toLowerCase() === 'expires') return Date.parse(v) <= Date.now();
        return false;
      });
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  clear(): void {
    this.cookies.clear();
  }
}

export class VirtualUser {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  /** Cookies per origin: the tool's only (the platform sets none). */
  private readonly jars = new Map<string, CookieJar>();

  constructor(private readonly keepCookies: boolean) {}

  private jar(origin: string): CookieJar {
    let jar = this.jars.get(origin);
    if (!jar) {
      jar = new CookieJar();
      this.jars.set(origin, jar);
    }
    return jar;
  }

  request(method: 'GET' | 'POST', url: URL, body?: string): Promise<Response> {
    const jar = this.jar(url.origin);
    const headers: http.OutgoingHttpHeaders = { accept: 'text/html', 'user-agent': 'express-lti-bench' };
    const cookie = jar.header();
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = Buffer.byteLength(body);
    }
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method, headers, agent: this.agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          jar.store(res.headers['set-cookie']);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.on('timeout', () => req.destroy(new LaunchError(`${method} ${url.pathname} timed out after ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** One complete launch; throws a LaunchError naming the step that went wrong. */
  async launch(tool: ToolInfo, input: LaunchInput): Promise<void> {
    if (!this.keepCookies) for (const jar of this.jars.values()) jar.clear();

    // 1. The platform's launch link: the browser GETs the tool's login initiation.
    const login = new URL(tool.loginUrl);
    login.search = new URLSearchParams({
      iss: input.issuer,
      login_hint: input.loginHint,
      target_link_uri: tool.targetLinkUri,
      client_id: input.clientId,
      lti_deployment_id: input.deploymentId,
    }).toString();
    const redirect = await this.request('GET', login);
    if (redirect.status !== 302 || !redirect.headers.location) throw unexpected('login', redirect);

    // 2. The tool redirects to the platform's auth endpoint, which answers with a self-posting form.
    const auth = await this.request('GET', new URL(redirect.headers.location, login));
    if (auth.status !== 200) throw unexpected('platform auth', auth);
    const form = parseAutoPostForm(auth.body);

    // 3. The form posts id_token and state to the tool; follow its redirects to the launched page.
    let url = new URL(form.action);
    let res = await this.request('POST', url, new URLSearchParams(form.fields).toString());
    for (let hops = 0; [301, 302, 303, 307, 308].includes(res.status); hops++) {
      if (hops >= MAX_REDIRECTS || !res.headers.location) throw unexpected('launch redirect', res);
      url = new URL(res.headers.location, url);
      res = await this.request('GET', url);
    }
    if (res.status !== 200 || !res.body.includes(input.expect)) throw unexpected('launched page', res);
  }

  close(): void {
    this.agent.destroy();
  }
}

function unexpected(step: string, res: Response): LaunchError {
  const excerpt = res.body.replace(/\s+/g, ' ').slice(0, 300);
  return new LaunchError(`${step}: HTTP ${res.status}${res.headers.location ? ` → ${res.headers.location}` : ''} ${excerpt}`);
}
