// Builds the committed bundle in bot/server/web/static/ (served by the socket.io channel), so a fresh
// clone runs the widget without npm. `make widget` runs this.
import * as esbuild from "esbuild";
import * as sass from "sass";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, "../bot/server/web/static");
mkdirSync(out, { recursive: true });

await esbuild.build({
  entryPoints: [resolve(here, "src/index.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "eof",
  outfile: resolve(out, "coach-widget.js"),
});

const css = sass.compile(resolve(here, "src/coach-widget.scss"), {
  loadPaths: [resolve(here, "node_modules/govuk-frontend/dist")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(resolve(out, "coach-widget.css"), css.css + "\n");
console.log("built bot/server/web/static/coach-widget.js and coach-widget.css");
