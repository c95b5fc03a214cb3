// The example's HTML. Every value that came from a platform goes through escapeHtml:
// names, course titles and ids are chosen by LMS users, not by us.
import { escapeHtml, type LtiSessionLaunch } from '../lib'; // in your app: from 'express-lti'

export interface PendingOnboarding {
  registrationId: string;
  platformName: string;
  deploymentId: string;
  userName?: string;
  /** Decided from the verified roles claim at launch (institution or system administrator), never from the form. */
  canActivate: boolean;
  /** The form must carry it back: in production the cookie is SameSite=None, so it alone does not stop CSRF. */
  csrf: string;
  expiresAt: number;
}

const e = (value: string | undefined) => escapeHtml(value ?? '');

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; color: #1f2328; }
  h1 { font-size: 1.5rem; } dt { font-weight: 600; } dd { margin: 0 0 .5rem 0; }
  code { background: #f3f4f6; padding: 0 .25rem; border-radius: 3px; }
  button { font: inherit; padding: .4rem 1rem; cursor: pointer; }
  .note { color: #57606a; }
  table { border-collapse: collapse; } th, td { text-align: left; padding: .25rem .75rem .25rem 0; border-bottom: 1px solid #d0d7de; }
</style></head>
<body>
<h1>${e(title)}</h1>
${body}
</body></html>`;
}

/** "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant" → "Teaching assistant". */
export function roleWord(uri: string): string {
  const tail = uri.slice(Math.max(uri.lastIndexOf('#'), uri.lastIndexOf('/')) + 1);
  const words = tail.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function readableRoles(roles: readonly string[]): string {
  const words = [...new Set(roles.map(roleWord).filter(Boolean))];
  return words.length > 0 ? words.join(', ') : 'No role';
}

export function launchAgain(devPlatformUrl: string | undefined): string {
  return devPlatformUrl
    ? `<p class="note">Development: <a href="${e(devPlatformUrl)}">back to the development platform</a>.</p>`
    : '';
}

/** `actions`: HTML of what the tool offers this user (already escaped). */
export function launchedPage(lti: LtiSessionLaunch, options: { actions?: string; devPlatformUrl?: string } = {}): string {
  return page(
    'You are launched',
    `<dl>
  <dt>Name</dt><dd>${e(lti.name) || '<span class="note">not shared by the platform</span>'}</dd>
  <dt>Email</dt><dd>${e(lti.email) || '<span class="note">not shared by the platform</span>'}</dd>
  <dt>Roles</dt><dd>${e(readableRoles(lti.roles))}</dd>
  <dt>Course</dt><dd>${e(lti.context?.title) || '<span class="note">none</span>'}${lti.context?.label ? ` (${e(lti.context.label)})` : ''}</dd>
  <dt>Resource link</dt><dd>${e(lti.resourceLink?.title ?? lti.resourceLink?.id) || '<span class="note">none</span>'}</dd>
  <dt>Deployment</dt><dd><code>${e(lti.deploymentId)}</code></dd>
</dl>
${options.actions ?? ''}${launchAgain(options.devPlatformUrl)}`,
  );
}

export function notLaunchedPage(devPlatformUrl?: string): string {
  return page(
    'Launch this tool from your LMS',
    `<p>This page opens when you click the tool's link inside your course (Canvas, Moodle, Blackboard, …).
It cannot be opened directly: your LMS tells the tool who you are when it launches it.</p>${launchAgain(devPlatformUrl)}`,
  );
}

export function onboardingPage(pending: PendingOnboarding): string {
  const intro = `<p>This tool was launched from a deployment it does not know yet.</p>
<dl>
  <dt>Platform</dt><dd>${e(pending.platformName)}</dd>
  <dt>Deployment id</dt><dd><code>${e(pending.deploymentId)}</code></dd>
</dl>`;
  if (!pending.canActivate) {
    return page(
      'This tool is not set up yet',
      `${intro}<p>Please ask your administrator to enable this tool: only an administrator of ${e(pending.platformName)}
(an institution or system administrator) can turn it on. Then open the tool again from your course.</p>`,
    );
  }
  return page(
    'Activate this tool',
    `${intro}<p>Activating lets every course of this deployment launch the tool.</p>
<form method="post" action="/onboarding">
  <input type="hidden" name="csrf" value="${e(pending.csrf)}">
  <button type="submit">Activate for this deployment</button>
</form>`,
  );
}

export function activatedPage(deploymentId: string, devPlatformUrl?: string): string {
  return page(
    'Tool activated',
    `<p>Deployment <code>${e(deploymentId)}</code> can now use this tool.
Go back to your course and launch the tool again.</p>${launchAgain(devPlatformUrl)}`,
  );
}

export function refusedPage(): string {
  return page(
    'Only an administrator can enable this tool',
    `<p>Sorry, turning the tool on needs an administrator of your learning platform (an institution or
system administrator); a course role such as instructor or teaching assistant is not enough.
Please ask your administrator to enable this tool.</p>`,
  );
}

export function staleFormPage(): string {
  return page('Please try again', `<p>This form is out of date. Open the activation page again and use its button.</p>`);
}

export function noOnboardingPage(devPlatformUrl?: string): string {
  return page(
    'Nothing to activate',
    `<p>There is no pending activation in this browser (it may have expired).
Launch the tool from your LMS again.</p>${launchAgain(devPlatformUrl)}`,
  );
}
