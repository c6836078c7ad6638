/** Placeholder until the cache lands: no cached token, so the full command runs. */
export async function tryCachedToken(_args: string[]): Promise<boolean> {
  return false;
}
