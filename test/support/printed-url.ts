/** The URL a command prints (inspect's, --live's), as soon as it prints it; an error with its output if it ends first. */
import type { ResultPromise } from 'execa';

export function printedUrl(run: ResultPromise<{ reject: false; all: true }>, re: RegExp): Promise<string> {
  let out = '';
  return new Promise<string>((resolve, reject) => {
    run.all.on('data', (d: Buffer) => {
      out += d.toString();
      const m = re.exec(out);
      if (m) resolve(m[1]!);
    });
    void run.then(() => reject(new Error(`the command ended without printing its URL:\n${out}`)));
  });
}
