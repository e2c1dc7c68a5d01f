// Open every page of a built book in headless Chromium, in the light and the dark colour
// scheme, run axe-core's WCAG 2.x A/AA rules on it, and record every request the page makes.
//
// Why a script of its own: the Python test judges, this only observes. It prints one JSON
// document on stdout and exits 0 whenever it ran, so that a violation is reported by the test
// with the page and scheme it belongs to, rather than lost in a crash.
//
// Why a local HTTP server rather than file://: a reader opens the book from a web server, and
// over HTTP every request the page makes is visible to the browser context, so "nothing outside
// the book folder" can be checked as "nothing but this server's origin". The server listens on
// 127.0.0.1 on a free port, serves only files inside the folder, and stops at the end.
//
// Usage: node check_book.mjs HTML_FOLDER CHROMIUM_PATH
import { createServer } from "node:http";
import { readFile, readdir, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { extname, join, relative, resolve, sep } from "node:path";

import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = await readFile(require.resolve("axe-core/axe.min.js"), "utf8");
const AXE_VERSION = require("axe-core/package.json").version;
const PLAYWRIGHT_VERSION = require("playwright-core/package.json").version;

const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const SCHEMES = ["light", "dark"];
const TYPES = {
  ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript",
  ".mjs": "text/javascript", ".json": "application/json", ".svg": "image/svg+xml",
  ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
  ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf", ".txt": "text/plain",
  ".ico": "image/x-icon", ".inv": "application/octet-stream", ".map": "application/json",
};
// Inline content is part of the page, not a request to anywhere.
const INLINE = /^(data|blob|about):/;

const [folderArg, chromiumPath] = process.argv.slice(2);
if (!folderArg || !chromiumPath) {
  console.error("usage: node check_book.mjs HTML_FOLDER CHROMIUM_PATH");
  process.exit(2);
}
const root = resolve(folderArg);

async function htmlPages(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await htmlPages(path)));
    else if (entry.name.endsWith(".html")) out.push(relative(root, path).split(sep).join("/"));
  }
  return out;
}

// Pages a reader can open: the HTML files outside Sphinx's _static/_sources support folders
// (those hold templates such as webpack-macros.html, never linked as pages).
const pages = (await htmlPages(root)).filter((p) => !p.startsWith("_")).sort();

const missing = [];
const server = createServer(async (request, response) => {
  const path = decodeURIComponent(new URL(request.url, "http://x").pathname);
  let file = resolve(root, "." + path);
  try {
    if (file !== root && !file.startsWith(root + sep)) throw new Error("outside");
    if ((await stat(file)).isDirectory()) file = join(file, "index.html");
    const body = await readFile(file);
    response.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
    response.end(body);
  } catch {
    missing.push(path);
    response.writeHead(404).end();
  }
});
await new Promise((done) => server.listen(0, "127.0.0.1", done));
const origin = `http://127.0.0.1:${server.address().port}`;

// No network but this server: every hostname fails to resolve, anything else would go to a
// proxy that is not there (loopback is never proxied), and the context aborts any request off
// this origin before it leaves. The request is still recorded, which is what the test checks.
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
         "--proxy-server=http://127.0.0.1:9", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-default-apps",
         "--disable-domain-reliability"],
});

const browserVersion = browser.version();
const started = Date.now();
const results = [];
try {
  for (const scheme of SCHEMES) {
    const context = await browser.newContext({ colorScheme: scheme, serviceWorkers: "block" });
    let outside = new Set();
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(origin + "/") || INLINE.test(url)) return route.continue();
      outside.add(url);
      return route.abort("blockedbyclient");
    });
    // Anything the router did not see (a WebSocket, a redirect) still raises this event.
    context.on("request", (request) => {
      const url = request.url();
      if (!url.startsWith(origin + "/") && !INLINE.test(url)) outside.add(url);
    });
    for (const name of pages) {
      outside = new Set();
      const pageStart = Date.now();
      const page = await context.newPage();
      const errors = [];
      page.on("pageerror", (error) => errors.push(String(error)));
      await page.goto(`${origin}/${name}`, { waitUntil: "load" });
      await page.waitForLoadState("networkidle").catch(() => {});
      const look = await page.evaluate(() => ({
        theme: document.documentElement.dataset.theme ?? null,
        mode: document.documentElement.dataset.mode ?? null,
        background: getComputedStyle(document.body).backgroundColor,
        prefersDark: matchMedia("(prefers-color-scheme: dark)").matches,
      }));
      await page.addScriptTag({ content: AXE_SOURCE });
      const axe = await page.evaluate(async (tags) => {
        const run = await window.axe.run(document, {
          runOnly: { type: "tag", values: tags }, resultTypes: ["violations"],
        });
        return run.violations.map((v) => ({
          id: v.id, impact: v.impact, help: v.help, tags: v.tags, nodes: v.nodes.length,
          targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
          summaries: v.nodes.slice(0, 2).map((n) => n.failureSummary),
        }));
      }, WCAG_TAGS);
      await page.close();
      results.push({ page: name, scheme, ...look, violations: axe, outside: [...outside],
                     errors, seconds: (Date.now() - pageStart) / 1000 });
    }
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}

console.log(JSON.stringify({
  folder: root, pages, schemes: SCHEMES, tags: WCAG_TAGS, browser: browserVersion,
  axe: AXE_VERSION, playwright: PLAYWRIGHT_VERSION, missing: [...new Set(missing)].sort(),
  seconds: (Date.now() - started) / 1000, results,
}, null, 1));
