// The bearer token lives in sessionStorage: it is gone when the tab closes, and it never
// goes into a URL. The page itself holds no data without it.
const KEY = 'countersign.token';

export const session = {
  token: (): string | null => sessionStorage.getItem(KEY),
  signIn: (token: string): void => sessionStorage.setItem(KEY, token),
  signOut: (): void => sessionStorage.removeItem(KEY),
};
