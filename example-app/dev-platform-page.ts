// Development only: the LMS side of a launch. DevPlatform signs id_tokens but has no
// page where a person clicks the tool's link; this serves one, next to it on loopback.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { COURSE, type DevPlatform } from '../dev/platform';
import { escapeHtml as e } from '../lib';
import { gradebookPageHtml } from './dev-gradebook-page';
import { page } from './views';

export interface DevPlatformPage {
  url: string;
  close(): Promise<void>;
}

/** The page's forms start the real OIDC login: tool /lti/login → platform /auth → tool /lti/launch. */
export function platformPageHtml(platform: DevPlatform, toolUrl: string, deploymentIds: string[]): string {
  const launchUrl = `${toolUrl}/lti/launch`;
  const button = (deploymentId: string, loginHint: 'instructor' | 'learner' | 'administrator', label: string, deepLinking = false) => {
    const fields: Record<string, string> = {
      iss: platform.issuer,
      login_hint: loginHint,
      target_link_uri: launchUrl,
      client_id: platform.clientId,
      lti_deployment_id: deploymentId,
      // The dev platform reads the message type from its own hint (a real LMS knows which link was clicked).
      lti_message_hint: JSON.stringify(
        deepLinking ? { deploymentId, messageType: 'LtiDeepLinkingRequest', deepLinking: { data: `add-content:${deploymentId}` } } : { deploymentId },
      ),
    };
    const inputs = Object.entries(fields)
      .map(([name, value]) => `<input type="hidden" name="${e(name)}" value="${e(value)}">`)
      .join('');
    return `<form method="post" action="${e(`${toolUrl}/lti/login`)}" style="display:inline">${inputs}<button type="submit">${e(label)}</button></form>`;
  };
  const sections = deploymentIds
    .map(
      (id, i) => `<h2>Deployment <code>${e(id)}</code></h2>
<p class="note">${i === 0 ? "The platform's default deployment." : 'Another installation of the tool on this platform (say, another department).'}</p>
<div class="launch">${button(id, 'administrator', 'Launch as Administrator')} ${button(id, 'instructor', 'Launch as Instructor')} ${button(id, 'learner', 'Launch as Learner')}</div>
<div class="launch" style="margin-top:.5rem">${button(id, 'instructor', 'Add content (Deep Linking) as Instructor', true)}</div>`,
    )
    .join('\n');
  return page(
    'Development platform',
    `<p>A simulated LMS on loopback. Course: <strong>${e(COURSE.title)}</strong> (${e(COURSE.label)}), link "Week 1 quiz".</p>
<p class="note">Issuer <code>${e(platform.issuer)}</code>, client id <code>${e(platform.clientId)}</code>, tool <code>${e(toolUrl)}</code>.</p>
<form id="register-tool" method="get" action="${e(`${platform.url}/start-registration`)}"><input type="hidden" name="tool" value="${e(`${toolUrl}/lti/register`)}"><button type="submit">Register tool</button> <span class="note">LTI Dynamic Registration: the platform opens the tool's registration URL.</span></form>
${sections}
${courseContent(platform)}
<h2>Gradebook</h2>
<p><a href="/gradebook">Open the gradebook</a> <span class="note">(scores the tool sent)</span></p>`,
  );
}

/** What instructors added through Deep Linking (the platform keeps the verified items). */
function courseContent(platform: DevPlatform): string {
  const items = platform.deepLinkReturn.items.map((item) => {
    const lineItem = item.lineItem as { scoreMaximum?: unknown } | undefined;
    const graded = lineItem ? ` <span class="note">(graded, out of ${e(String(lineItem.scoreMaximum))})</span>` : '';
    return `<li>${e(typeof item.title === 'string' ? item.title : String(item.type))}${graded}</li>`;
  });
  return `<h2>Course content added by Deep Linking</h2>
${items.length ? `<ul>${items.join('')}</ul>` : '<p class="note">None yet: use "Add content (Deep Linking) as Instructor".</p>'}`;
}

/** Serve the platform's launch page on its own loopback port (never in production). */
export async function startDevPlatformPage(platform: DevPlatform, toolUrl: string, deploymentIds: string[]): Promise<DevPlatformPage> {
  for (const id of deploymentIds) platform.deepLinkReturn.deploymentIds.add(id); // responses may name any of them
  let pageUrl = '';
  // The platform's own root (launch_presentation.return_url, links on its pages) leads here.
  platform.route((req, res, url) => (url.pathname === '/' && req.method === 'GET' ? (res.writeHead(302, { location: pageUrl }).end(), true) : false));
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/gradebook') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(gradebookPageHtml(platform, pageUrl));
      return;
    }
    if (req.method === 'GET' && (req.url === '/' || req.url?.startsWith('/?'))) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(platformPageHtml(platform, toolUrl, deploymentIds));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url: pageUrl,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
