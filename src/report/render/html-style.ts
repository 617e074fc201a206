/**
 * The HTML report's inline CSS (light and dark, from one table of verdict
 * colours) and the few lines of JavaScript that mark the selected cell and let
 * Escape return to the matrix. Inline, because the report works offline.
 */
import type { Verdict } from '../../verdict/types';
import { VERDICT_ORDER } from './common';
import { esc } from './html-escape';

const VERDICT_COLOURS: Record<Verdict, [string, string, string, string]> = {
  // [foreground light, background light, foreground dark, background dark]
  pass: ['#1a7f37', '#dafbe1', '#56d364', '#12361f'],
  degraded: ['#8a5a00', '#fff3c4', '#e3b341', '#3b2e0a'],
  fail: ['#c4212b', '#ffe5e3', '#ff7b72', '#4a1718'],
  skipped: ['#59636e', '#eceff2', '#9198a1', '#262c33'],
  error: ['#7a3fd1', '#f3eaff', '#c297ff', '#2f1d4d'],
};

function verdictVariables(dark: boolean): string {
  return VERDICT_ORDER.map((v) => {
    const [fg, bg, dfg, dbg] = VERDICT_COLOURS[v];
    return `--${v}:${dark ? dfg : fg};--${v}-bg:${dark ? dbg : bg};`;
  }).join('');
}

export const CSS = `
:root{${verdictVariables(false)}--text:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;--page:#ffffff;--accent:#0969da;--emitted:#8c959f;--arrived:#0969da;--conn1:#bf3989;--conn2:#1a7f37;--conn3:#9a6700;--cut:#cf222e;--code:#f6f8fa;
--sans:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
@media (prefers-color-scheme:dark){:root{${verdictVariables(true)}--text:#e6edf3;--muted:#9198a1;--line:#3d444d;--soft:#151b23;--page:#0d1117;--accent:#4493f8;--emitted:#6e7681;--arrived:#4493f8;--conn1:#f778ba;--conn2:#56d364;--conn3:#e3b341;--cut:#ff7b72;--code:#151b23}}
*{box-sizing:border-box}
html{background:var(--page);color:var(--text);font:15px/1.5 var(--sans);-webkit-text-size-adjust:100%}
body{margin:0 auto;max-width:1200px;padding:24px clamp(12px,3vw,32px) 48px}
h1{font-size:1.6rem;margin:0 0 4px}
h2{font-size:1.25rem;margin:36px 0 8px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:1.15rem;margin:0 0 8px;display:flex;flex-wrap:wrap;gap:8px;align-items:center}
h4{font-size:.8rem;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:18px 0 8px}
p{margin:0 0 8px}
code,pre{font-family:var(--mono);font-size:.85em}
a{color:var(--accent)}
.muted{color:var(--muted)}
.meta{color:var(--muted);margin:0 0 12px}
.hint{color:var(--muted);margin:0 0 12px}
.chips{list-style:none;display:flex;flex-wrap:wrap;gap:8px;margin:0;padding:0}
.chip{border-radius:999px;padding:2px 12px;font-weight:600;font-size:.9rem;color:var(--c);background:var(--bg);border:1px solid color-mix(in srgb,var(--c) 35%,transparent)}
.chip.mismatch,.badge.mismatch{--c:var(--fail);--bg:transparent;border:1px dashed var(--fail);color:var(--fail)}
.v-pass{--c:var(--pass);--bg:var(--pass-bg)}.v-degraded{--c:var(--degraded);--bg:var(--degraded-bg)}.v-fail{--c:var(--fail);--bg:var(--fail-bg)}.v-skipped{--c:var(--skipped);--bg:var(--skipped-bg)}.v-error{--c:var(--error);--bg:var(--error-bg)}
.badge{display:inline-flex;gap:4px;align-items:center;border-radius:6px;padding:0 8px;font-size:.85rem;font-weight:600;color:var(--c);background:var(--bg);white-space:nowrap}
.matrix-wrap,.table-wrap{overflow-x:auto;border:1px solid var(--line);border-radius:10px}
table{border-collapse:collapse;width:100%}
.matrix{table-layout:fixed;min-width:680px}
.matrix thead th.corner{width:230px}
.matrix th,.matrix td{border-bottom:1px solid var(--line);padding:6px;text-align:left;vertical-align:top}
.matrix tbody tr:last-child>*{border-bottom:0}
.matrix thead th{background:var(--soft);font-family:var(--mono);font-size:.85rem;font-weight:600;padding:8px}
.matrix th[scope=row]{background:var(--page);position:sticky;left:0;z-index:1;font-weight:400;padding:8px 10px;border-right:1px solid var(--line)}
.matrix thead th.corner{position:sticky;left:0;z-index:2;font-family:var(--sans)}
.setup-id{font-family:var(--mono);font-weight:700}
.setup-sub{display:block;color:var(--muted);font-size:.8rem;line-height:1.35;margin-top:2px}
.kind{font-size:.7rem;text-transform:uppercase;letter-spacing:.05em;border:1px solid var(--line);border-radius:4px;padding:0 4px;color:var(--muted);vertical-align:1px}
.cell{display:flex;flex-direction:column;gap:1px;min-height:100%;padding:8px 10px;border-radius:8px;text-decoration:none;color:var(--c);background:var(--bg);border:2px solid transparent;line-height:1.3}
.cell:hover{border-color:color-mix(in srgb,var(--c) 45%,transparent)}
.cell:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.cell[aria-current=true]{border-color:var(--c);box-shadow:0 0 0 3px color-mix(in srgb,var(--c) 20%,transparent)}
.cell .sym{font-weight:800;display:inline-block;min-width:1.1em}
.cell .vl{font-weight:700;white-space:nowrap}
.cell .reason{font-family:var(--mono);font-size:.78rem;color:var(--text);opacity:.85;overflow-wrap:anywhere}
.cell .mm{font-size:.75rem;font-weight:600;color:var(--fail);border-top:1px dashed currentColor;margin-top:3px;padding-top:2px}
td.empty{color:var(--muted);text-align:center}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;margin:12px 0 0;font-size:.85rem}
.legend-item{display:flex;gap:6px;align-items:baseline}
.legend dt{margin:0}.legend dd{margin:0;color:var(--muted)}
#details{margin-top:20px}
.detail{display:none;border:1px solid var(--line);border-left:6px solid var(--c);border-radius:10px;padding:16px 20px;margin:0 0 16px;background:var(--page);scroll-margin-top:12px}
.detail:target{display:block}
.detail:focus{outline:none}
#details:has(.detail:target) .placeholder{display:none}
.placeholder{color:var(--muted);border:1px dashed var(--line);border-radius:10px;padding:14px;text-align:center}
.detail-head{position:relative;padding-right:96px}
.close{position:absolute;right:0;top:0;font-size:.85rem;text-decoration:none;border:1px solid var(--line);border-radius:6px;padding:2px 8px;color:var(--muted)}
.close:hover{color:var(--accent);border-color:var(--accent)}
.explanation{font-size:1rem;max-width:80ch}
.expect{font-size:.9rem;font-weight:600}.expect.ok{color:var(--pass)}.expect.bad{color:var(--fail)}
.setup-line{color:var(--muted);font-size:.85rem;max-width:100ch;overflow-wrap:anywhere}
.reason-code{font-size:.8rem;background:var(--code);border:1px solid var(--line);border-radius:4px;padding:0 5px;font-weight:400}
.charts figure{margin:0 0 12px;overflow-x:auto}
.chart svg{display:block;width:100%;min-width:540px;height:auto;max-height:300px;background:var(--soft);border:1px solid var(--line);border-radius:8px}
figcaption{font-size:.8rem;color:var(--muted);margin-top:4px}
.chart-legend{font-size:.8rem;color:var(--muted);display:flex;flex-wrap:wrap;gap:4px 14px;align-items:center}
.chart-legend .item{white-space:nowrap}
.key{display:inline-block;width:18px;height:0;border-top:2px solid;vertical-align:middle;margin-right:4px}
.key.dot{width:8px;height:8px;border:0;border-radius:50%}.key.dot.c1{background:var(--conn1)}
.key.emitted{border-color:var(--emitted);border-top-style:dashed}.key.arrived{border-color:var(--arrived);border-top-width:3px}.key.cut{border-color:var(--cut);width:0;height:14px;border-top:0;border-left:2px dashed var(--cut)}
.timeline .grid{stroke:var(--line);stroke-width:.6}
.timeline .axis{stroke:var(--muted);stroke-width:1}
.timeline text{font:11px var(--sans);fill:var(--muted)}
.timeline .label{font-size:10.5px}
.timeline .emitted{fill:none;stroke:var(--emitted);stroke-width:1.4;stroke-dasharray:4 3}
.timeline .emitted-dots circle{fill:var(--page);stroke:var(--emitted);stroke-width:1.1}
.timeline .arrived{fill:none;stroke:var(--arrived);stroke-width:2.2;stroke-linejoin:round}
.timeline .arrived-dots circle{fill:var(--arrived)}
.timeline .arrived-dots .c1{fill:var(--conn1)}.timeline .arrived-dots .c2{fill:var(--conn2)}.timeline .arrived-dots .c3{fill:var(--conn3)}
.timeline .quiet{fill:var(--cut);opacity:.08}
.timeline .quiet-label{fill:var(--cut);font-size:10.5px}
.timeline .cut{stroke:var(--cut);stroke-width:2;stroke-dasharray:5 3}
.timeline .cut-label{fill:var(--cut);font-weight:600}
.timeline .expected{stroke:var(--fail);stroke-width:1;stroke-dasharray:2 3;opacity:.8}
.timeline .note{fill:var(--fail)}
.detail-grid{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:8px 28px}
@media (max-width:860px){.detail-grid{grid-template-columns:minmax(0,1fr)}}
.check-list,.mitigations ul,.setups{list-style:none;margin:0;padding:0}
.check{border:1px solid var(--line);border-radius:8px;padding:8px 12px;margin-bottom:8px}
.check.s-fail{border-left:4px solid var(--fail)}.check.s-error{border-left:4px solid var(--error)}.check.s-skip{border-left:4px solid var(--skipped)}.check.s-pass{border-left:4px solid var(--pass)}
.check-head{margin-bottom:2px}.check-what{color:var(--muted);font-size:.82rem;margin:0 0 4px}.check-what .expects{display:block}
.check-head .sym{font-weight:700}.s-pass .check-head .sym{color:var(--pass)}.s-fail .check-head .sym{color:var(--fail)}.s-error .check-head .sym{color:var(--error)}
.status{color:var(--muted);font-size:.85rem}
.nums{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:2px 12px;margin:6px 0 0;font-size:.82rem}
.nums div{display:flex;flex-direction:column;min-width:0}
.nums div.wide{grid-column:1/-1}
details.alike summary{cursor:pointer;color:var(--accent);font-size:.82rem;margin-top:6px}
.alike-id{font-family:var(--mono);font-size:.8rem;font-weight:600;margin:6px 0 0}
.nums dt{color:var(--muted);font-family:var(--mono);font-size:.75rem}
.nums dd{margin:0;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.mitigations li{border:1px solid var(--line);border-radius:8px;padding:8px 12px;margin-bottom:8px}
.mitigations .rescued{border-left:4px solid var(--pass)}.mitigations .not-rescued{border-left:4px solid var(--fail)}
.rescued .sym{color:var(--pass);font-weight:700}.not-rescued .sym{color:var(--fail);font-weight:700}
.lands{font-size:.8rem;color:var(--muted);white-space:nowrap}
.fix-label{font-weight:600;font-size:.85rem;margin:8px 0 4px}
.snippet pre,.log{background:var(--code);border:1px solid var(--line);border-radius:8px;padding:10px 12px;overflow-x:auto;margin:0 0 8px;line-height:1.45}
.app-fix{border-left:3px solid var(--accent);padding-left:10px}
.app-fix code{background:var(--code);border:1px solid var(--line);border-radius:4px;padding:0 4px}
details.others{margin-top:8px}
details.passed summary{cursor:pointer;color:var(--accent);font-size:.9rem;margin:4px 0 8px}
details.others summary{cursor:pointer;color:var(--accent);font-size:.9rem}
.log{max-height:260px;overflow:auto;font-size:.78rem}
.log-line{display:block;white-space:pre}
.log-line.notable{background:color-mix(in srgb,var(--fail) 14%,transparent)}
.log-line.other{opacity:.45}
.cost th,.cost td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;font-size:.9rem}
.cost thead th{background:var(--soft);font-size:.8rem}
.cost tr.group-start>*{border-top:2px solid var(--line)}
.cost th[scope=rowgroup]{font-family:var(--mono);vertical-align:top}
.cost .n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.bar-cell{display:inline-flex;align-items:center;justify-content:flex-end;gap:6px;width:100%;min-width:120px}
.track{display:inline-block;width:72px;height:8px;border-radius:4px;background:var(--soft);border:1px solid var(--line);overflow:hidden}
.bar{display:block;height:100%;background:color-mix(in srgb,var(--accent) 60%,transparent)}
.bar-label{min-width:60px}
.cost-summary{margin:0 0 12px;padding-left:20px}
.setups li{padding:8px 0;border-bottom:1px solid var(--line);overflow-wrap:anywhere}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:0 12px;margin:0;font-size:.85rem}
.facts dt{color:var(--muted)}.facts dd{margin:0;overflow-wrap:anywhere}
footer{margin-top:40px;color:var(--muted);font-size:.8rem;border-top:1px solid var(--line);padding-top:12px}
@media (max-width:640px){html{font-size:14px}.mm-what{display:none}.cell{padding:6px 8px}.matrix{min-width:520px}.matrix thead th.corner{width:130px}.setup-sub{display:none}.detail{padding:12px}.detail-head{padding-right:0}.close{position:static;display:inline-block;margin-bottom:8px}}
@media print{.detail{display:block;break-inside:avoid}.placeholder,.close{display:none}}
`
  .trim()
  .replace(/\n/g, '');

/** Marks the selected cell, focuses its panel, and lets Escape return to the matrix. */
export const SCRIPT = `
(function(){
  var current=null;
  function sync(){
    if(current){current.removeAttribute('aria-current');current=null;}
    var id=decodeURIComponent(location.hash.slice(1));
    if(!id){return;}
    var panel=document.getElementById(id);
    if(!panel||!panel.classList.contains('detail')){return;}
    var link=document.getElementById('m-'+id);
    if(link){link.setAttribute('aria-current','true');current=link;}
    panel.focus({preventScroll:true});
  }
  window.addEventListener('hashchange',sync);
  document.addEventListener('keydown',function(e){
    if(e.key==='Escape'&&current){var link=current;location.hash=link.id;link.focus();}
  });
  sync();
})();
`.trim();

/** The opening of a self-contained page, up to and including <body>: its title and its styles inline. */
export function pageOpening(title: string, css: string): string[] {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<title>${esc(title)}</title>`,
    `<style>${css}</style>`,
    '</head>',
    '<body>',
  ];
}
