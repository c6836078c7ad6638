// A stand-in for the user's browser on the emulator's own pages, for integration tests that need the
// interactive (auth code + PKCE) flow without launching Chromium: pass it as msal-node's `openBrowser`.
// It understands only what the emulator serves: redirects, the sign-in form, and the form_post hand-back.
// The e2e tests drive the same pages with a real headless browser (ids: #username, #sign-in, #cancel).

export interface BrowserSignInOptions {
  /** typed into #username (default: whatever login_hint prefilled) */
  username?: string;
  /** press Cancel instead of Sign in */
  cancel?: boolean;
}

export interface BrowserResult {
  /** the last URL the browser was on (the app's redirect URI when the flow reached it) */
  url: string;
  status: number;
  body: string;
}

const decode = (s: string): string => s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] as string);

function formOf(html: string): { action: string; fields: Record<string, string> } | undefined {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  if (!form) return undefined;
  const fields: Record<string, string> = {};
  for (const m of form[2].matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(m[0])?.[1];
    if (name) fields[decode(name)] = decode(/value="([^"]*)"/.exec(m[0])?.[1] ?? '');
  }
  return { action: decode(form[1]), fields };
}

export async function signInWithBrowser(startUrl: string, opts: BrowserSignInOptions = {}): Promise<BrowserResult> {
  let url = startUrl;
  let init: RequestInit = { redirect: 'manual' };
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(url, init);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      url = new URL(location, url).toString();
      init = { redirect: 'manual' };
      continue;
    }
    const body = await res.text();
    const form = res.headers.get('content-type')?.includes('text/html') ? formOf(body) : undefined;
    if (!form) return { url, status: res.status, body };
    if (body.includes('id="sign-in"') && 'ctx' in form.fields) {
      const fields: Record<string, string> = { ...form.fields, action: opts.cancel ? 'cancel' : 'sign-in' };
      if (opts.username !== undefined) fields.username = opts.username;
      init = { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' };
    } else if (body.includes('document.forms[0].submit()')) {
      init = { method: 'POST', body: new URLSearchParams(form.fields), redirect: 'manual' };
    } else {
      return { url, status: res.status, body };
    }
    url = new URL(form.action, url).toString();
  }
  throw new Error(`too many redirects starting at ${startUrl}`);
}
