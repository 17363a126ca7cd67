/**
 * Headless Chromium for the dashboard's end-to-end tests, through playwright-core and Debian's chromium
 * (/usr/bin/chromium; .ci/run installs it). Without it the tests skip on a developer's machine, and fail
 * under CI=true: a browser that cannot start is a failure there, never a silent skip.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.ANYROUTER_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Whether the browser tests run here: always under CI, else only where chromium is installed. */
export const browserTestsRun = process.env.CI === 'true' || existsSync(CHROMIUM);

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true, timeout: 15_000 });
}

/** Screenshots go here (gitignored): test-output/dashboard/NAME.png. */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-output/dashboard/', import.meta.url));

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
