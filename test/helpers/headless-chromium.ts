import { chromium, type Browser } from 'playwright-core';

/**
 * The Debian Chromium, headless, as every page test drives it (playwright-core cannot download a browser here;
 * `CHROMIUM_PATH` points elsewhere). The flags keep it off the network and quiet.
 */
export function launchHeadlessChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
