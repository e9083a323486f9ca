/** One key the current page answers to, with what it does for the help line. */
export interface Shortcut {
  key: string;
  label: string;
  run: () => void;
}

let active: Shortcut[] = [];

/** Sets the current page's shortcuts (replacing the previous page's). */
export function useShortcuts(list: Shortcut[]): void {
  active = list;
}

/** Listens once for the whole console; keys typed into a field are the field's. */
export function startShortcuts(): void {
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target as HTMLElement | null;
    if (target?.closest('input, textarea, select, [contenteditable="true"]')) return;
    const hit = active.find((s) => s.key === e.key);
    if (!hit) return;
    e.preventDefault();
    hit.run();
  });
}

/** The page's shortcuts as one line of help: `a approve · r reject`. */
export function shortcutHelp(list: Shortcut[]): string {
  return list.map((s) => `${s.key} ${s.label}`).join(' · ');
}
