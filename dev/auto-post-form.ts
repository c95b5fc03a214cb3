/** The auto-submitting form_post page an LMS answers its auth endpoint with, and a reader for it. */
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page an LMS returns from its auth endpoint: a form that posts itself. */
export function autoPostForm(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`)
    .join('');
  return (
    `<!doctype html><html><body onload="document.forms[0].submit()">` +
    `<form method="post" action="${escape(action)}">${inputs}<noscript><button>Continue</button></noscript></form>` +
    `</body></html>`
  );
}

/** Read the fields of an auto-post form (for tests and the benchmark's browser). */
export function parseAutoPostForm(html: string): { action: string; fields: Record<string, string> } {
  const unescape = (s: string) => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
  const action = /<form method="post" action="([^"]*)"/.exec(html)?.[1];
  if (action === undefined) throw new Error('no form in the page');
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[unescape(m[1])] = unescape(m[2]);
  return { action: unescape(action), fields };
}
