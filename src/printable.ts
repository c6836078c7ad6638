// Text from servers (Entra's error_description, a device code message, a loopback error POST, a token's
// claims) reaches the terminal. Control characters in it could retitle the window, clear the screen or
// forge a coloured instruction (CWE-150), and bidirectional overrides could reorder what is shown. They
// are shown as visible escapes instead; line feeds and tabs stay, as they only lay text out.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const escapeOf = (c: string) => {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** `text` safe to write to a terminal: every control character but \n and \t becomes `\xNN` (a CR before a LF is dropped). */
export function printable(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(UNSAFE, escapeOf);
}

// JSON.stringify escapes C0 controls but passes DEL, C1 and bidi characters through, and a terminal or
// `jq -r` shows them raw; as \uXXXX escapes they are the same JSON value, only inert on screen.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/** `value` as JSON whose strings hold no raw DEL, C1 or bidi character (each becomes a \uXXXX escape). */
export function inertJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
