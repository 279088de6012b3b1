/**
 * A case's identity: suite, device and slug, as one value. Built and parsed
 * here only; reports, shards, bisect and the known-bug registry all use it.
 * The text form `suite.device.slug` is what reports and the CLI show.
 */
export interface CaseId {
  readonly suite: string;
  readonly device: string;
  readonly slug: string;
  /** The machine type the case ran on, where it is not the default q35 (text form: `suite.device.slug@pc`); a migration's is versioned (`@pc-q35-7.2`). */
  readonly machine?: string;
}

/** The machine type a case runs on unless told otherwise; its ids carry no @machine. */
export const DEFAULT_MACHINE = 'q35';

/** A case of a suite, on every device or on one (a device model's bug): how the known-bug registry names what a bug affects. */
export interface CaseRef {
  readonly suite: string;
  readonly slug: string;
  readonly device?: string;
  /** Or a family of devices by name (virtio-*), where one plugin's name is too narrow. */
  readonly devices?: RegExp;
}

const PART = /^[a-z0-9][a-z0-9_-]*$/i;
/** A machine type may be versioned (pc-q35-7.2). */
const MACHINE = /^[a-z0-9][a-z0-9_.-]*$/i;

export function caseIdText(id: CaseId): string {
  for (const [what, v] of Object.entries(id)) if (v !== undefined && !(what === 'machine' ? MACHINE : PART).test(v)) throw new Error(`a case id's ${what} must be letters, digits, - and _: "${v}"`);
  const on = id.machine && id.machine !== DEFAULT_MACHINE ? `@${id.machine}` : '';
  return `${id.suite}.${id.device}.${id.slug}${on}`;
}

/** The id in `suite.device.slug`, or undefined when the text is not one. */
export function parseCaseId(text: string): CaseId | undefined {
  const [dotted, machine, ...more] = text.split('@');
  const parts = dotted!.split('.');
  if (more.length || parts.length !== 3 || !parts.every((p) => PART.test(p)) || (machine !== undefined && !MACHINE.test(machine))) return undefined;
  const [suite, device, slug] = parts as [string, string, string];
  return { suite, device, slug, ...(machine && machine !== DEFAULT_MACHINE ? { machine } : {}) };
}

export function refersTo(ref: CaseRef, id: CaseId): boolean {
  return ref.suite === id.suite && ref.slug === id.slug && (ref.device === undefined || ref.device === id.device) && (ref.devices === undefined || ref.devices.test(id.device ?? ''));
}
