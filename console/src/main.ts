import { setUnauthorizedHandler } from './api.js';
import { fill, h } from './dom.js';
import { startLive, stopLive } from './live.js';
import { casePage } from './pages/case.js';
import { casesPage } from './pages/cases.js';
import { inboxPage } from './pages/inbox.js';
import { lanePage } from './pages/lane.js';
import { signInPage } from './pages/signIn.js';
import { session } from './session.js';
import { startShortcuts, useShortcuts } from './shortcuts.js';
import { startCountdowns } from './time.js';

/** A page draws itself into `main` and returns what to undo when the route changes. */
export type Page = (main: HTMLElement, params: string[]) => () => void;

const routes: [RegExp, Page, string][] = [
  [/^\/?$/, inboxPage, 'Inbox'],
  [/^\/lanes\/([0-9a-f-]{36})$/, lanePage, 'Lane'],
  [/^\/cases$/, casesPage, 'Cases'],
  [/^\/cases\/([0-9a-f-]{36})$/, casePage, 'Case'],
];

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const liveIndicator = document.getElementById('live')!;
let leave: () => void = () => {};

function render(): void {
  leave();
  useShortcuts([]);
  // Pages set `data-loaded` once their data is drawn; tests and the bench wait on it.
  delete main.dataset.loaded;
  if (!session.token()) {
    fill(nav);
    stopLive();
    liveIndicator.textContent = '';
    leave = signInPage(main, [], () => {
      startLive(liveIndicator);
      render();
    });
    return;
  }
  const path = location.hash.replace(/^#/, '');
  const found = routes.find(([re]) => re.test(path));
  fill(
    nav,
    h('a', { href: '#/', 'aria-current': found?.[2] === 'Inbox' ? 'page' : null }, 'Inbox'),
    h('a', { href: '#/cases', 'aria-current': found?.[2] === 'Cases' ? 'page' : null }, 'Cases'),
    h('button', { type: 'button', class: 'link', onclick: signOut }, 'Sign out'),
  );
  if (!found) {
    fill(main, h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Back to the inbox')));
    leave = () => {};
    return;
  }
  const [re, page, title] = found;
  document.title = `${title} · countersign`;
  leave = page(main, re.exec(path)!.slice(1));
}

function signOut(): void {
  session.signOut();
  location.hash = '#/';
  render();
}

setUnauthorizedHandler(() => {
  if (session.token()) signOut();
});
window.addEventListener('hashchange', () => {
  render();
  main.focus();
});
// The skip link targets <main>, not a route: hash routing must not see it.
document.querySelector('.skip')?.addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});
startShortcuts();
startCountdowns();
if (session.token()) startLive(liveIndicator);
render();
