import { api, ApiError } from '../api.js';
import { fill, h } from '../dom.js';
import { session } from '../session.js';

/**
 * Asks for a bearer token and checks it against the API before keeping it: the same
 * tokens as `countersign serve --tokens`, and nothing the API would not accept.
 */
export function signInPage(main: HTMLElement, _params: string[], signedIn: () => void): () => void {
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    required: true,
    'aria-describedby': 'token-help',
  });
  const status = h('p', { id: 'sign-in-status', role: 'alert' });
  const form = h(
    'form',
    { class: 'card narrow', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title' }, 'Sign in'),
    h('label', { for: 'token' }, 'Access token'),
    input,
    h(
      'p',
      { id: 'token-help', class: 'hint' },
      'The bearer token you were issued. It is kept only in this tab.',
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
    status,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) {
      status.textContent = 'Enter your token.';
      return;
    }
    api('GET', '/lanes?limit=1', undefined, token).then(
      () => {
        session.signIn(token);
        signedIn();
      },
      (error: unknown) => {
        status.textContent =
          error instanceof ApiError && error.status === 401
            ? 'That token was not accepted.'
            : `Could not sign in: ${String(error)}`;
      },
    );
  });
  fill(main, form);
  document.title = 'Sign in · countersign';
  input.focus();
  return () => {};
}
