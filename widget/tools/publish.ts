// Copies the built widget to worker/public/dev/widget/ and RequireJS to worker/public/dev/vendor/,
// where the sandbox's local amoCRM host page (/dev/amocrm) loads them. Run after the Vite build.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT, readText, scriptWithApiOrigin, servedScript, widgetFiles } from "./files";

const publicDev = path.join(ROOT, "worker", "public", "dev");
const widgetOut = path.join(publicDev, "widget");
const vendorOut = path.join(publicDev, "vendor");

export function publish(): string[] {
  const files = widgetFiles();
  rmSync(widgetOut, { recursive: true, force: true });
  for (const f of files) {
    const dest = path.join(widgetOut, f.name);
    mkdirSync(path.dirname(dest), { recursive: true });
    // The host page is served by the Worker itself, so the widget calls its own origin.
    if (f.name === "script.js") writeFileSync(dest, servedScript(scriptWithApiOrigin(readText(f.source), "")));
    else copyFileSync(f.source, dest);
  }
  mkdirSync(vendorOut, { recursive: true });
  copyFileSync(path.join(ROOT, "node_modules", "requirejs", "require.js"), path.join(vendorOut, "require.js"));
  return files.map((f) => f.name);
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const names = publish();
  console.log(`published ${names.length} widget files and require.js to ${path.relative(ROOT, publicDev)}/`);
}
