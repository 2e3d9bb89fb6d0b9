/** Entry of the iframe app (frame.html). URL: /widget/frame?inbox=PUBLIC_KEY&parent=ORIGIN */
import './frame.css';
import { createApi } from './api';
import { WidgetApp } from './app';
import { createFrameBridge } from './bridge';
import { createKV } from './storage';

const params = new URLSearchParams(location.search);
const inboxKey = params.get('inbox') ?? '';
const mount = document.getElementById('app') ?? document.body;
const wsBase = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;

const app = new WidgetApp({
  inboxKey,
  api: createApi('/api/v1'),
  kv: createKV(`otklik:v1:${inboxKey}`),
  bridge: createFrameBridge(params.get('parent')),
  mount,
  wsUrl: () => `${wsBase}/api/v1/widget/ws`,
  expectIdentity: params.get('identity') === '1',
});
void app.start();
