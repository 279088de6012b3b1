/**
 * "Online, else the newest cached": ask the archive first; when it cannot
 * be reached, take the newest of what the cache already holds and say so;
 * with nothing cached, the archive's error stands. Debian builds, QEMU
 * sources and the box's kernel series all resolve this way.
 */
export type OnlineOrCached<T, C> = { readonly online: T } | { readonly cached: C };

export async function onlineElseCached<T, C>(
  online: () => Promise<T>,
  cached: () => Promise<C | undefined>,
  o: { readonly what: string; readonly progress: (m: string) => void; readonly describe: (c: C) => string },
): Promise<OnlineOrCached<T, C>> {
  try {
    return { online: await online() };
  } catch (e) {
    const c = await cached();
    if (c === undefined) throw e;
    o.progress(`${o.what}: the archive cannot be reached (${(e as Error).message.split('\n')[0]}); using the newest cached, ${o.describe(c)}`);
    return { cached: c };
  }
}
