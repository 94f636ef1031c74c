// browser.mjs - Debian's Chromium for the browser tests, through
// playwright-core, with the flags DESIGN.md gives: each open() is a fresh
// persistent profile (its own cookies, so one per user); closeAll() closes
// every browser and removes the profiles. A page collects its console
// errors and page errors in page.errors.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export class Browsers {
  constructor() {
    this.contexts = [];
    this.dirs = [];
  }

  // A browser context of its own; viewport as Playwright takes it.
  async launch(viewport = { width: 1920, height: 1080 }) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zz-e2e-chromium-'));
    this.dirs.push(dir);
    const ctx = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, args: ARGS, viewport });
    this.contexts.push(ctx);
    return ctx;
  }

  // The first page of a new browser, with page.errors collected.
  async open(viewport) {
    const ctx = await this.launch(viewport);
    const page = ctx.pages()[0] || await ctx.newPage();
    watch(page);
    return page;
  }

  async closeAll() {
    for (const c of this.contexts) await c.close().catch(() => {});
    for (const d of this.dirs) fs.rmSync(d, { recursive: true, force: true });
    this.contexts = [];
    this.dirs = [];
  }
}

// Collects a page's console errors and page errors in page.errors.
export function watch(page) {
  page.errors = [];
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  page.on('pageerror', (e) => page.errors.push(String(e.message || e)));
  return page;
}
