/** What the inspector's and the live run's pages share: escaping, the document head and base style. */

export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `<!doctype html>` through the opening of `<style>`, with the base rules; the page adds its own rules and closes it. */
export function pageHead(title: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 1em 2em; }
h1 { font-size: 1.2em; } h2 { font-size: 1em; margin-top: 1.2em; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 2px 8px; font-family: monospace; }`;
}
