// The pages a person sees after clicking a link in the digest. Static markup, one stylesheet and
// one script served from the endpoint itself (the CSP allows nothing else). Every page works
// without JavaScript; with it, the vote page records by POST as it opens and updates in place.
import type { LinkClaims } from '../links/tokens.ts';
import { escapeHtml } from '../util/html.ts';

export type VoteChoice = 'up' | 'down' | 'clear';

const EMOJI = { up: '👍', down: '👎' } as const;

// The big symbol is drawn, not an emoji, so it shows even where no emoji font is installed.
// Paths from Feather icons (MIT).
const ICON_PATHS = {
  up: '<path d="M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3"/>',
  down: '<path d="M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3zm7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17"/>',
  clear: '<polyline points="1 4 1 10 7 10"/><path d="M3.51 15a9 9 0 1 0 2.13-9.36L1 10"/>',
} as const;

function icon(kind: VoteChoice): string {
  return `<svg class="icon ${kind}" aria-hidden="true" viewBox="0 0 24 24" width="56" height="56" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${ICON_PATHS[kind]}</svg>`;
}

function layout(title: string, main: string, withScript = false): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · Paperboy</title>
<link rel="stylesheet" href="/assets/app.css">
<link rel="icon" href="data:,">
${withScript ? '<script src="/assets/vote.js" defer></script>\n' : ''}</head>
<body>
${main}
<footer>Paperboy · your personalized arXiv digest</footer>
</body>
</html>
`;
}

function paperLine(claims: LinkClaims): string {
  const id = escapeHtml(claims.p);
  return `<p class="paper">on <a href="https://arxiv.org/abs/${encodeURIComponent(claims.p)}" rel="noopener noreferrer">arXiv:${id}</a> from your digest of ${escapeHtml(claims.e)}</p>`;
}

function voteForm(action: VoteChoice, label: string, primary = false): string {
  return `<form method="post" data-action="${action}"><input type="hidden" name="action" value="${action}"><button type="submit"${primary ? ' class="primary"' : ''}>${label}</button></form>`;
}

/** What GET /v/<token> shows: nothing is recorded yet; the script records by POST as the page opens. */
export function votePage(claims: LinkClaims): string {
  const choice = claims.a === 'down' ? 'down' : 'up';
  const emoji = EMOJI[choice];
  return layout(
    `${emoji} arXiv:${claims.p}`,
    `<main class="card" data-vote data-auto="${choice}">
${icon(choice)}
<h1 data-sending="Recording your ${emoji}…">Record your ${emoji} for this paper?</h1>
${paperLine(claims)}
<p class="status" role="status" hidden></p>
<noscript><div class="actions">${voteForm(choice, `Record my ${emoji}`, true)}</div></noscript>
</main>`,
    true,
  );
}

/** What a vote POST answers: what is now recorded, with undo and change. */
export function votedPage(claims: LinkClaims, recorded: VoteChoice): string {
  const headline = recorded === 'clear' ? 'Vote removed' : `${EMOJI[recorded]} ${recorded === 'up' ? 'More' : 'Less'} like this`;
  const actions =
    recorded === 'up'
      ? voteForm('clear', 'Undo') + voteForm('down', 'Change to 👎')
      : recorded === 'down'
        ? voteForm('clear', 'Undo') + voteForm('up', 'Change to 👍')
        : voteForm('up', '👍') + voteForm('down', '👎');
  const note = recorded === 'clear' ? 'Nothing is recorded for this paper now.' : 'Recorded, thanks! Your next digests take it into account. You can close this tab.';
  return layout(
    headline,
    `<main class="card" data-vote>
${icon(recorded)}
<h1>${headline}</h1>
${paperLine(claims)}
<p class="note">${note}</p>
<p class="status" role="status" hidden></p>
<div class="actions">${actions}</div>
</main>`,
    true,
  );
}

export function unsubscribeConfirmPage(claims: LinkClaims): string {
  return layout(
    'Unsubscribe',
    `<main class="card">
<h1>Unsubscribe from Paperboy?</h1>
<p>The daily digest for <strong>${escapeHtml(claims.s)}</strong> will stop.</p>
<div class="actions"><form method="post"><button type="submit" class="primary">Unsubscribe</button></form></div>
</main>`,
  );
}

export function unsubscribedPage(claims: LinkClaims): string {
  return layout(
    'Unsubscribed',
    `<main class="card">
<h1>You are unsubscribed</h1>
<p>No more digests will be sent for <strong>${escapeHtml(claims.s)}</strong>. Sorry to see you go.</p>
</main>`,
  );
}

/** One page for every refused link: it must not tell an attacker which check failed. */
export function refusedPage(): string {
  return layout(
    'Link not valid',
    `<main class="card">
<h1>This link does not work</h1>
<p>It may have expired, or your mail program may have cut it short. Open it again from the original email, or use the links in a newer digest.</p>
</main>`,
  );
}

export function messagePage(title: string, text: string): string {
  return layout(title, `<main class="card">\n<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(text)}</p>\n</main>`);
}

export const STYLESHEET = `:root{color-scheme:light dark;--fg:#1d232b;--muted:#5b6573;--bg:#f4f5f7;--card:#fff;--accent:#2257d6;--on-accent:#fff;--line:#d7dbe1}
@media (prefers-color-scheme:dark){:root{--fg:#e8ebef;--muted:#a3acb9;--bg:#14171b;--card:#1e2228;--accent:#7aa2ff;--on-accent:#0d1420;--line:#353b44}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;justify-content:center;gap:1.5rem;padding:1.5rem;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif,"Apple Color Emoji","Segoe UI Emoji","Noto Color Emoji"}
.card{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:2rem 2.25rem;max-width:30rem;width:100%;text-align:center;box-shadow:0 2px 10px rgba(0,0,0,.06)}
.icon{display:block;margin:0 auto .75rem;color:var(--muted)}
.icon.up{color:#1a7f37}
.icon.down{color:#c5221f}
h1{font-size:1.4rem;margin:0 0 .5rem}
p{margin:.5rem 0}
.paper,.note,footer{color:var(--muted)}
.note{font-size:.95rem}
a{color:var(--accent)}
.actions{display:flex;gap:.75rem;justify-content:center;flex-wrap:wrap;margin-top:1.25rem}
.actions form{margin:0}
button{font:inherit;padding:.55rem 1.1rem;border-radius:9px;border:1px solid var(--line);background:var(--card);color:var(--fg);cursor:pointer;min-width:7rem}
button:hover{border-color:var(--accent)}
button.primary{background:var(--accent);border-color:var(--accent);color:var(--on-accent)}
[aria-busy=true]{opacity:.6}
.status{color:#b3261e}
footer{font-size:.85rem}
`;

/** Records the vote by POST as the page opens (a plain GET records nothing), and sends undo/change without leaving the page. */
export const VOTE_SCRIPT = `'use strict';
(function () {
  function bind(main) {
    main.querySelectorAll('form[data-action]').forEach(function (form) {
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        send(main, form.dataset.action, 'button');
      });
    });
  }
  function fail(main, action) {
    main.removeAttribute('aria-busy');
    var status = main.querySelector('.status');
    status.textContent = 'Could not reach Paperboy. Please try again.';
    status.hidden = false;
    if (!main.querySelector('form[data-action]')) {
      var form = document.createElement('form');
      form.method = 'post';
      form.dataset.action = action;
      var button = document.createElement('button');
      button.type = 'submit';
      button.className = 'primary';
      button.textContent = 'Try again';
      form.appendChild(button);
      var actions = document.createElement('div');
      actions.className = 'actions';
      actions.appendChild(form);
      main.appendChild(actions);
      bind(main);
    }
  }
  function send(main, action, origin) {
    main.setAttribute('aria-busy', 'true');
    fetch(location.pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ action: action, origin: origin }),
      credentials: 'omit',
      cache: 'no-store',
    })
      .then(function (res) {
        return res.text().then(function (html) {
          var page = new DOMParser().parseFromString(html, 'text/html');
          var next = page.querySelector('main');
          if (!next) throw new Error('no page');
          main.replaceWith(next);
          document.title = page.title;
          bind(next);
        });
      })
      .catch(function () { fail(main, action); });
  }
  var main = document.querySelector('main[data-vote]');
  if (!main) return;
  bind(main);
  if (main.dataset.auto) {
    var heading = main.querySelector('h1[data-sending]');
    if (heading) heading.textContent = heading.dataset.sending;
    send(main, main.dataset.auto, 'open');
  }
})();
`;
