/**
 * A device plugin as another process finds it (the run inside the box, the
 * inspector there), the way suites travel: the harness's own plugins by
 * name; any other (a test's misbehaving plugin, a user's own) by its module
 * and export, loaded there from the machine's root, which the box shares.
 */
import type { DevicePlugin } from './device-plugin.js';
import { devicePlugins } from './index.js';

export type PluginRef = { readonly name: string } | { readonly module: string; readonly exportName: string };

export async function pluginRef(plugin: DevicePlugin): Promise<PluginRef> {
  if (devicePlugins.includes(plugin)) return { name: plugin.name };
  if (!plugin.module) throw new Error(`the ${plugin.name} plugin is not one of the harness's: give it module: import.meta.url so the box can load it`);
  const exported = Object.entries((await import(plugin.module)) as Record<string, unknown>).find(([, v]) => v === plugin);
  if (!exported) throw new Error(`${plugin.module} does not export the ${plugin.name} plugin`);
  return { module: plugin.module, exportName: exported[0] };
}

export async function loadPlugin(ref: PluginRef): Promise<DevicePlugin> {
  if ('name' in ref) {
    const p = devicePlugins.find((d) => d.name === ref.name);
    if (!p) throw new Error(`no device plugin "${ref.name}"`);
    return p;
  }
  const p = ((await import(ref.module)) as Record<string, unknown>)[ref.exportName] as DevicePlugin | undefined;
  if (!p || typeof p.attach !== 'function') throw new Error(`${ref.module} has no device plugin export ${ref.exportName}`);
  return p;
}
