// Entry of the browser bundle: read the console server's /config.json (where the api is), then
// render the app. Nothing else runs at load.
import { render } from 'preact';
import { App } from './ui/App';
import { ClientConfigSchema } from './schemas';
import { t } from './messages';

async function start(root: HTMLElement): Promise<void> {
  try {
    const response = await fetch('/config.json', { cache: 'no-store' });
    const config = ClientConfigSchema.parse(await response.json());
    render(<App config={config} />, root);
  } catch {
    root.textContent = t.errors.network;
  }
}

const root = document.getElementById('app');
if (root !== null) void start(root);
