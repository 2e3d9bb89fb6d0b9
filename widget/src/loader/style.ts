/** Launcher CSS, scoped by the shadow root. The chat window itself is the iframe. */
export function loaderCss(mobileMax: number): string {
  return `
:host{all:initial}
.w{--c:#1f6feb;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.l{position:fixed;z-index:2147483000;bottom:20px;right:20px;width:56px;height:56px;margin:0;padding:0;border:0;border-radius:50%;background:var(--c);color:#fff;cursor:pointer;display:flex;align-items:center;justify-content:center;box-shadow:0 4px 14px rgba(0,0,0,.25);transition:transform .15s}
.l:hover{transform:scale(1.06)}
.l:focus-visible{outline:3px solid var(--c);outline-offset:3px}
.i,.i svg{display:block;width:28px;height:28px}
.b{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 6px;box-sizing:border-box;border-radius:10px;background:#d1242f;color:#fff;font:700 12px/20px system-ui,sans-serif;text-align:center;box-shadow:0 0 0 2px #fff}
.b[hidden]{display:none}
.f{display:none;position:fixed;z-index:2147483001;bottom:88px;right:20px;width:370px;max-width:calc(100vw - 40px);height:min(600px,calc(100vh - 108px));border:0;border-radius:14px;background:#fff;box-shadow:0 10px 40px rgba(0,0,0,.28);color-scheme:normal}
.left .l{right:auto;left:20px}
.left .b{right:auto;left:-4px}
.left .f{right:auto;left:20px}
.open .f{display:block}
@media (max-width:${mobileMax}px){
.open .f{top:0;left:0;right:0;bottom:0;width:100%;max-width:none;height:100%!important;border-radius:0}
.open .l{display:none}
}
@media (prefers-reduced-motion:reduce){.l{transition:none}}
`;
}

export const CHAT_ICON =
  '<svg viewBox="0 0 24 24" fill="currentColor"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';
export const CLOSE_ICON =
  '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round"><path d="M6 6l12 12M18 6L6 18"/></svg>';
