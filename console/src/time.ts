/** `90061000` → `1 d 1 h`; the two largest units, enough for a glance. */
export function span(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const parts: [number, string][] = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3_600), 'h'],
    [Math.floor((s % 3_600) / 60), 'min'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first < 0) return '0 s';
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n} ${unit}`)
    .join(' ');
}

/** Time left until `iso`, as a countdown. */
export function timeLeft(iso: string | null, now = Date.now()): string {
  if (!iso) return 'no deadline';
  const ms = Date.parse(iso) - now;
  return ms <= 0 ? 'expired' : `${span(ms)} left`;
}

export const ago = (iso: string, now = Date.now()): string => `${span(now - Date.parse(iso))} ago`;

export const localTime = (iso: string): string => new Date(iso).toLocaleString();

/**
 * One ticker for every countdown on the page: elements with `data-expires` get their text
 * refreshed each second, so rows need no timers of their own.
 */
export function startCountdowns(): void {
  setInterval(() => {
    const now = Date.now();
    for (const el of document.querySelectorAll<HTMLElement>('[data-expires]')) {
      el.textContent = timeLeft(el.dataset.expires ?? null, now);
      el.classList.toggle('soon', Date.parse(el.dataset.expires ?? '') - now < 3_600_000);
    }
  }, 1_000);
}
