// The few HTML pages a person (or headless Chromium) sees: the sign-in page of the authorize endpoint,
// the device-code page behind verification_uri, and the form_post hand-back to the app.
import { escapeHtml as e } from './http.js';

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}
input{display:block;width:100%;padding:.5rem;margin:.25rem 0 1rem;box-sizing:border-box}
button{padding:.5rem 1.25rem;margin-right:.5rem}.note{color:#555;font-size:.9rem}</style></head>
<body><h1>${e(title)}</h1>${body}</body></html>`;
}

export function signInPage(opts: { action: string; ctx: string; loginHint?: string; clientId: string; prompt?: string; error?: string }): string {
  return page('Sign in — Entra emulator', `
<p class="note">Application <code>${e(opts.clientId)}</code> wants to sign you in. This is a test double of Microsoft Entra ID: no password is asked.</p>
${opts.error ? `<p id="error" role="alert">${e(opts.error)}</p>` : ''}
<form method="post" action="${e(opts.action)}">
<input type="hidden" name="ctx" value="${e(opts.ctx)}">
<label for="username">Username</label>
<input id="username" name="username" type="email" autocomplete="username" value="${e(opts.loginHint ?? '')}" placeholder="alice@contoso.example" required autofocus>
<button id="sign-in" type="submit" name="action" value="sign-in">Sign in</button>
<button id="cancel" type="submit" name="action" value="cancel" formnovalidate>Cancel</button>
</form>`);
}

export function deviceLoginPage(opts: { action: string; userCode?: string; username?: string; message?: string }): string {
  return page('Enter code — Entra emulator', `
${opts.message ? `<p id="message" role="status">${e(opts.message)}</p>` : ''}
<form method="post" action="${e(opts.action)}">
<label for="user_code">Code</label>
<input id="user_code" name="user_code" value="${e(opts.userCode ?? '')}" required autofocus>
<label for="username">Username</label>
<input id="username" name="username" type="email" value="${e(opts.username ?? '')}" placeholder="alice@contoso.example" required>
<button id="sign-in" type="submit" name="action" value="sign-in">Sign in</button>
<button id="decline" type="submit" name="action" value="decline" formnovalidate>Decline</button>
</form>`);
}

export function messagePage(title: string, message: string): string {
  return page(title, `<p id="message">${e(message)}</p>`);
}

/** response_mode=form_post: the browser posts the result to the app's redirect URI by itself. */
export function formPostPage(redirectUri: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${e(k)}" value="${e(v)}">`).join('');
  return `<!doctype html><html><head><title>Working...</title></head><body onload="document.forms[0].submit()">
<form method="post" action="${e(redirectUri)}">${inputs}<noscript><button type="submit">Continue</button></noscript></form></body></html>`;
}
