"""The role play's three pages (join, team, teacher) as plain HTML with a little script; no file from
elsewhere. Each page asks the server for its JSON every two seconds and draws it (sim/app/classroom_server.py)."""

_STYLE = """<style>
body{font-family:system-ui,sans-serif;margin:0;padding:10px 16px;font-size:15px;color:#222}
h1{font-size:20px;margin:4px 0 8px} h2{font-size:16px;margin:12px 0 4px}
.cols{display:flex;gap:18px;align-items:flex-start} .col{flex:1;min-width:0}
table{border-collapse:collapse;font-size:14px} td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
th{background:#f3f3f3} td.l,th.l{text-align:left}
button{font-size:15px;padding:6px 14px;margin:4px 6px 4px 0;cursor:pointer}
.msg{color:#a40000;min-height:1.2em} .ok{color:#075}
.code{font-family:monospace;font-size:22px;letter-spacing:2px}
.timeline{max-height:230px;overflow:auto;font-size:13px;margin:0;padding-left:18px}
.gg-map svg{max-height:330px}
</style>"""

_COMMON_JS = """<script>
const q = new URLSearchParams(location.search);
async function api(path, body){
  const r = await fetch(path, body===undefined ? {} : {method:'POST', headers:{'Content-Type':'application/json'},
                                                        body: JSON.stringify(body)});
  const j = await r.json(); if(!r.ok) throw new Error(j.error || r.status); return j;
}
function esc(s){return String(s).replace(/[&<>'"]/g, c => '&#'+c.charCodeAt(0)+';');}
function scores(d){
  let h = '<table><tr><th class=l>state</th>' + d.powers.map(p => '<th>'+esc(d.names[p])+'</th>').join('') + '</tr>';
  for(const s of d.states){ h += '<tr><td class=l>'+esc(d.names[s])+'</td>' +
    d.powers.map(p => '<td data-state="'+s+'" data-power="'+p+'">'+d.alignment[s][p].toFixed(3)+'</td>').join('') + '</tr>'; }
  return h + '</table>';
}
</script>"""

JOIN = f"""<!doctype html><html><head><meta charset=utf-8><title>greatgame class: join</title>{_STYLE}</head>
<body><h1>greatgame: join your team</h1>
<p>Type the code your teacher's screen shows for your power.</p>
<input id=code class=code size=8 autocomplete=off> <button id=join>Join</button><div id=msg class=msg></div>
{_COMMON_JS}<script>
document.getElementById('join').onclick = async () => {{
  const code = document.getElementById('code').value.trim().toUpperCase();
  try {{ await api('/api/team/join', {{code}}); location.href = '/team?code=' + encodeURIComponent(code); }}
  catch(e) {{ document.getElementById('msg').textContent = e.message; }}
}};
</script></body></html>"""

TEAM = f"""<!doctype html><html><head><meta charset=utf-8><title>greatgame class: team</title>{_STYLE}</head>
<body><h1 id=title>greatgame</h1><div id=status></div>
<div class=cols><div class=col>
<h2>Your choices for the next turn</h2>
<div id=form></div>
<p>Points spent: <b id=cost>0</b> of <b id=budget>10</b></p>
<button id=send>Send our choices</button><div id=msg class=msg></div>
<h2>What you chose before</h2><div id=history></div>
</div><div class=col><div class="gg-map" id=map></div><h2>Alignment scores (public)</h2><div id=scores></div></div></div>
{_COMMON_JS}<script>
const code = q.get('code'); let shown = null, D = null;
function opt(list, names, sel){{ return '<option value="">nothing</option>' +
  list.map(s => '<option value="'+s+'"'+(s===sel?' selected':'')+'>'+esc(names[s])+'</option>').join(''); }}
function buildForm(d){{
  const p = d.pending || {{}}, aid = p.aid || {{}};
  let h = '<p>Ask for a base (3 points): <select id=base>'+opt(d.states, d.names, p.base)+'</select></p>';
  h += '<p>Offer an energy contract (2 points): <select id=deal>'+opt(d.exporters, d.names, p.deal)+'</select></p>';
  h += '<p>Human rights: <select id=rights>' + [['as before','as before (free)'],['press','press the regimes (1 point)'],
       ['silent','keep silent (free)']].map(([v,t]) => '<option value="'+v+'"'+(v===(p.rights||'as before')?' selected':'')+'>'+t+'</option>').join('') + '</select></p>';
  h += '<p>Aid (1 point each):</p><table>' + d.states.map(s => '<tr><td class=l>'+esc(d.names[s])+
       '</td><td><input type=number min=0 max=10 step=1 class=aid data-state="'+s+'" value="'+(aid[s]||0)+'" style="width:4em"></td></tr>').join('') + '</table>';
  document.getElementById('form').innerHTML = h;
  document.querySelectorAll('#form select, #form input').forEach(e => e.oninput = cost);
  cost();
}}
function form(){{
  const aid = {{}}; document.querySelectorAll('.aid').forEach(e => {{ const n = parseInt(e.value||'0'); if(n) aid[e.dataset.state] = n; }});
  return {{base: document.getElementById('base').value || null, deal: document.getElementById('deal').value || null,
          rights: document.getElementById('rights').value, aid}};
}}
function cost(){{
  const f = form(); const c = (f.base?3:0) + (f.deal?2:0) + (f.rights==='press'?1:0) + Object.values(f.aid).reduce((a,b)=>a+b,0);
  document.getElementById('cost').textContent = c; return c;
}}
function describe(c){{
  const parts = [];
  if(c.base) parts.push('base: '+D.names[c.base]); if(c.deal) parts.push('contract: '+D.names[c.deal]);
  for(const [s,n] of Object.entries(c.aid||{{}})) parts.push('aid '+n+' to '+D.names[s]);
  if(c.rights && c.rights!=='as before') parts.push('rights: '+c.rights);
  return parts.join(', ') || 'nothing';
}}
async function refresh(){{
  try {{ D = await api('/api/team?code=' + encodeURIComponent(code)); }}
  catch(e) {{ document.getElementById('msg').textContent = e.message; return; }}
  const d = D;
  document.getElementById('title').textContent = 'greatgame: you play ' + d.power_name;
  document.title = 'greatgame class: ' + d.power_name;
  document.getElementById('budget').textContent = d.budget;
  document.getElementById('status').innerHTML = '<span class=gg-month>' + esc(d.month) + '</span> &middot; ' +
    (d.finished ? 'the game is over' : 'next turn ' + d.next_turn + ' starts ' + esc(d.next_start)) +
    (d.pending ? ' &middot; <span class=ok id=sent>choices sent</span>' : '');
  document.getElementById('map').innerHTML = d.map;
  document.getElementById('scores').innerHTML = scores(d);
  document.getElementById('history').innerHTML = d.history.length ? '<ul>' + d.history.map(t =>
    '<li>turn '+t.number+' ('+esc(t.start)+'): '+esc(describe(t.choices))+'</li>').join('') + '</ul>' : 'nothing yet';
  if(shown !== d.turn){{ shown = d.turn; buildForm(d); }}
  document.getElementById('send').disabled = d.finished;
}}
document.getElementById('send').onclick = async () => {{
  const m = document.getElementById('msg');
  try {{ await api('/api/team/choose?code=' + encodeURIComponent(code), form()); m.className='msg ok';
        m.textContent = 'Sent. You may change them until the teacher runs the turn.'; refresh(); }}
  catch(e) {{ m.className='msg'; m.textContent = e.message; }}
}};
refresh(); setInterval(refresh, 2000);
</script></body></html>"""

TEACHER = f"""<!doctype html><html><head><meta charset=utf-8><title>greatgame class: teacher</title>{_STYLE}</head>
<body><h1>greatgame class: the teacher's screen &middot; <span class=gg-month id=month></span></h1>
<div class=cols><div class=col>
<h2>Teams</h2><div id=teams></div>
<button id=run-turn>Run the turn</button><button id=end-game>End and debrief</button>
<div id=msg class=msg></div>
<p id=exports></p>
<h2>Timeline</h2><ul class=timeline id=timeline></ul>
</div><div class=col><div class="gg-map" id=map></div><div id=scores></div></div></div>
<div id=debrief class=gg-debrief></div>
{_COMMON_JS}<script>
const key = q.get('key'); const K = 'key=' + encodeURIComponent(key);
function choiceText(d, c){{
  const parts = [];
  if(c.base) parts.push('base: '+d.names[c.base]); if(c.deal) parts.push('contract: '+d.names[c.deal]);
  for(const [s,n] of Object.entries(c.aid||{{}})) parts.push('aid '+n+' to '+d.names[s]);
  if(c.rights && c.rights!=='as before') parts.push('rights: '+c.rights);
  return parts.join(', ') || 'nothing';
}}
function debrief(d){{
  const b = d.debrief; if(!b || !d.finished) return '';
  const kinds = Object.keys(b.channels);
  let h = '<h2>Debrief</h2><p>For each turn and team: its choices, and for each state the pulls on its alignment toward the team\\'s power, '+
    'summed over the turn\\'s months (base: security; contract: economy; aid: offers; rights: conditions and regime), and the change of that alignment.</p>';
  for(const t of b.turns){{
    h += '<h2>Turn '+t.number+' ('+esc(t.start)+' to '+esc(t.end)+')</h2>';
    for(const [p, tm] of Object.entries(t.teams)){{
      h += '<p><b>'+esc(d.names[p])+'</b>: '+esc(choiceText(d, tm.choices))+'</p><table><tr><th class=l>state</th>' +
        kinds.map(k => '<th>'+k+'</th>').join('') + '<th>change</th></tr>';
      for(const [s, v] of Object.entries(tm.states)){{
        h += '<tr><td class=l>'+esc(d.names[s])+'</td>' + kinds.map(k => '<td class=gg-pull data-turn="'+t.number+
          '" data-power="'+p+'" data-state="'+s+'" data-kind="'+k+'">'+v.pulls[k].toFixed(4)+'</td>').join('') +
          '<td>'+v.change.toFixed(4)+'</td></tr>';
      }}
      h += '</table>';
    }}
  }}
  h += '<h2>Alignment at '+esc(b.month)+': the session beside the same months played by the rules</h2><table><tr><th class=l>state</th>' +
    d.powers.map(p => '<th>'+esc(d.names[p])+' (class)</th><th>'+esc(d.names[p])+' (rules)</th>').join('') + '</tr>';
  for(const s of d.states){{ h += '<tr><td class=l>'+esc(d.names[s])+'</td>' + d.powers.map(p =>
    '<td class=gg-compare data-state="'+s+'" data-power="'+p+'">'+b.compare[s][p].session.toFixed(3)+'</td><td>'+b.compare[s][p].rules.toFixed(3)+'</td>').join('') + '</tr>'; }}
  return h + '</table>';
}}
let lastKey = null;
async function refresh(){{
  let d; try {{ d = await api('/api/teacher?' + K); }} catch(e) {{ document.getElementById('msg').textContent = e.message; return; }}
  document.getElementById('month').textContent = d.month;
  document.getElementById('teams').innerHTML = '<table><tr><th class=l>power</th><th class=l>code</th><th class=l>joined</th><th class=l>played this turn</th></tr>' +
    Object.entries(d.teams).map(([p, t]) => '<tr class=gg-team data-power="'+p+'" data-played="'+t.played+'"><td class=l>'+esc(t.name)+
      '</td><td class="l code gg-code">'+esc(t.code)+'</td><td class=l>'+(t.joined?'yes':'not yet')+'</td><td class=l>'+(t.played?'yes':'not yet')+'</td></tr>').join('') + '</table>' +
    '<p>' + (d.finished ? 'The game is over.' : 'Turn '+d.next_turn+' ('+d.turn_months+' months from '+esc(d.next_start)+') is next; a team that sends nothing does nothing.') + '</p>';
  document.getElementById('run-turn').disabled = d.finished;
  document.getElementById('end-game').disabled = d.finished;
  document.getElementById('timeline').innerHTML = d.timeline.map(e => '<li>'+esc(e.date)+': '+esc(e.title)+'</li>').join('');
  const k = d.month + d.finished;
  if(k !== lastKey){{ lastKey = k; document.getElementById('map').innerHTML = d.map; document.getElementById('scores').innerHTML = scores(d);
    document.getElementById('debrief').innerHTML = debrief(d); }}
  document.getElementById('exports').innerHTML = 'Export: <a id=export-yaml href="/export/scenario.yaml?'+K+'">scenario file</a> &middot; ' +
    '<a id=export-drivers href="/export/drivers.csv?'+K+'">drivers table</a> &middot; <a href="/export/debrief.json?'+K+'">debrief</a>';
}}
async function act(what){{
  const m = document.getElementById('msg'); m.textContent = what === 'run' ? 'running the turn...' : '';
  try {{ await api('/api/teacher/' + what + '?' + K, {{}}); m.textContent = ''; refresh(); }} catch(e) {{ m.textContent = e.message; }}
}}
document.getElementById('run-turn').onclick = () => act('run');
document.getElementById('end-game').onclick = () => act('end');
refresh(); setInterval(refresh, 2000);
</script></body></html>"""
