/** One word for sh, as it is: single-quoted unless it is plainly safe, with embedded quotes closed and reopened. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
