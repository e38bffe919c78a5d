//! The HTML report: one self-contained page (inline style and script, no network, no external assets) with the
//! verdict counts, a row per case whose answers expand, failed assertions highlighted, and, with a baseline, the
//! old and new answers side by side with the changed words marked. Rows are rendered here, so the page reads
//! without JavaScript; the script only filters and searches. Every text from the run is HTML-escaped.

use std::fmt::Write as _;

use crate::baseline::{Change, Piece, word_pieces};
use crate::report::{CaseReport, Report, Verdict};

const STYLE: &str = r#"
:root{--pass:#1a7f37;--fail:#cf222e;--error:#bf8700;--skip:#8c959f;--bg:#f6f8fa;--panel:#fff;--fg:#1f2328;--muted:#656d76;--line:#d8dee4;--soft:#f3f5f7;--user:#ddf4ff;--accent:#0969da}
@media (prefers-color-scheme:dark){:root{--pass:#3fb950;--fail:#f85149;--error:#d29922;--skip:#6e7681;--bg:#010409;--panel:#0d1117;--fg:#e6edf3;--muted:#8d96a0;--line:#30363d;--soft:#161b22;--user:#0c2d48;--accent:#4493f8}}
*{box-sizing:border-box}body{margin:0;font:14px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
main{max-width:1180px;margin:0 auto;padding:28px 24px 48px}
.top{display:flex;gap:24px;align-items:flex-end;justify-content:space-between;flex-wrap:wrap;margin-bottom:14px}
h1{font-size:22px;margin:0 0 2px;letter-spacing:-.01em}.sub{color:var(--muted);margin:0}
.score{text-align:right;line-height:1.1}.score b{display:block;font-size:44px;font-weight:700;letter-spacing:-.03em}.score span{color:var(--muted)}
.score.good b{color:var(--pass)}.score.bad b{color:var(--fail)}
.meter{display:flex;height:12px;border-radius:6px;overflow:hidden;background:var(--line);margin:0 0 16px}.meter span{display:block;min-width:3px}
.meter .pass{background:var(--pass)}.meter .fail{background:var(--fail)}.meter .error{background:var(--error)}.meter .skipped{background:var(--skip)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(120px,1fr));gap:10px;margin-bottom:18px}
.card{border:1px solid var(--line);border-radius:10px;padding:10px 14px;background:var(--panel);color:var(--muted)}
.card b{display:block;font-size:26px;line-height:1.2;color:var(--fg)}.card.zero b{color:var(--skip)}
.card.pass b{color:var(--pass)}.card.fail b{color:var(--fail)}.card.error b{color:var(--error)}.card.zero.pass b,.card.zero.fail b,.card.zero.error b{color:var(--skip)}
.bar{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin-bottom:10px;position:sticky;top:0;z-index:1;background:var(--bg);padding:10px 0}
.bar button{border:1px solid var(--line);background:var(--panel);color:var(--fg);border-radius:16px;padding:4px 14px;cursor:pointer;font:inherit}
.bar button[aria-pressed=true]{background:var(--fg);color:var(--panel);border-color:var(--fg)}
.bar input{flex:1;min-width:180px;padding:6px 12px;border:1px solid var(--line);border-radius:16px;background:var(--panel);color:var(--fg);font:inherit}
.case{border:1px solid var(--line);border-radius:10px;margin:8px 0;background:var(--panel);overflow:hidden}
.case>summary{cursor:pointer;padding:10px 14px;display:grid;grid-template-columns:74px minmax(160px,1.1fr) minmax(0,2fr) 150px 52px;gap:14px;align-items:center;list-style:none}
.case>summary::-webkit-details-marker{display:none}.case>summary:hover{background:var(--soft)}.case[open]>summary{border-bottom:1px solid var(--line)}
.pill{font-size:11px;font-weight:700;letter-spacing:.04em;text-transform:uppercase;border-radius:12px;padding:2px 0;text-align:center;color:#fff}
.pill.pass{background:var(--pass)}.pill.fail{background:var(--fail)}.pill.error{background:var(--error)}.pill.skipped{background:var(--skip)}
.name{font-weight:600;min-width:0}.name .tag{font-weight:400}.why{color:var(--fail);min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.case.error .why{color:var(--error)}.case.skipped .why{color:var(--muted)}
.tag{font-size:11px;border:1px solid var(--line);border-radius:10px;padding:0 7px;color:var(--muted);margin-left:6px;white-space:nowrap}
.change{font-size:11px;border-radius:10px;padding:0 7px;margin-left:6px;white-space:nowrap;border:1px solid currentColor}
.change.newly-failing{color:var(--fail)}.change.fixed{color:var(--pass)}.change.still-failing{color:var(--muted)}.change.new{color:var(--accent)}.change.still-passing{color:var(--muted)}
.time{display:flex;align-items:center;gap:8px;color:var(--muted);font-size:12px;white-space:nowrap}.time i{display:block;height:6px;border-radius:3px;background:var(--accent);opacity:.55}
.time .track{flex:1;height:6px;border-radius:3px;background:var(--soft)}.time span+span{min-width:44px;text-align:right}
.cr{color:var(--muted);font-size:12px;text-align:right;white-space:nowrap}.rate{color:var(--muted);font-size:12px;margin-left:6px}
.body{padding:6px 16px 16px}.turn{margin-top:12px}
.msg{white-space:pre-wrap;word-break:break-word;border-radius:12px;padding:8px 12px;max-width:92%}
.msg.user{background:var(--user);margin-left:auto;width:fit-content;border-bottom-right-radius:4px}
.msg.bot{background:var(--soft);border:1px solid var(--line);margin-top:8px;border-bottom-left-radius:4px}
.msg.bot:empty::before{content:"(no text)";color:var(--muted)}
.meta{color:var(--muted);font-size:12px;margin:4px 2px}.tool{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:2px 6px;margin:6px 6px 0 0;display:inline-block}
ul.as{list-style:none;padding:0;margin:8px 0 0;display:flex;flex-direction:column;gap:3px}ul.as li{padding:3px 8px;border-radius:6px}
ul.as li.ok::before{content:"✓ ";color:var(--pass);font-weight:700}ul.as li.bad{background:color-mix(in srgb,var(--fail) 12%,transparent)}ul.as li.bad::before{content:"✗ ";color:var(--fail);font-weight:700}
.detail{color:var(--muted)}
.sbs{display:grid;grid-template-columns:1fr 1fr;gap:10px;margin-top:10px}.sbs h4{margin:6px 0 4px;font-size:12px;color:var(--muted);font-weight:600}.sbs .msg{max-width:none;margin:0}
del{background:color-mix(in srgb,var(--fail) 25%,transparent);text-decoration:line-through;border-radius:3px}ins{background:color-mix(in srgb,var(--pass) 25%,transparent);text-decoration:none;border-radius:3px}
.err{color:var(--error)}.hidden{display:none}.warn{border:1px solid var(--error);color:var(--error);background:var(--panel);padding:8px 12px;border-radius:8px;margin-bottom:12px}
.empty{color:var(--muted);text-align:center;padding:24px}footer{color:var(--muted);font-size:12px;margin-top:18px;text-align:center}
@media (max-width:760px){.case>summary{grid-template-columns:64px 1fr 48px}.why,.time{display:none}.sbs{grid-template-columns:1fr}}
"#;

const SCRIPT: &str = r#"
(function(){
  var rows=[].slice.call(document.querySelectorAll('details.case'));
  var q=document.getElementById('q'),count=document.getElementById('count'),none=document.getElementById('none');
  var buttons=[].slice.call(document.querySelectorAll('.bar button'));
  var params=new URLSearchParams(location.hash.slice(1));var mode=params.get('show')||'all';
  function apply(){
    var text=q.value.toLowerCase(),shown=0;
    rows.forEach(function(r){
      var okMode=mode==='all'||(mode==='failures'&&r.dataset.verdict!=='pass')||(mode==='passes'&&r.dataset.verdict==='pass')||(mode==='changed'&&r.dataset.changed==='1');
      var okText=!text||r.textContent.toLowerCase().indexOf(text)>=0;
      var on=okMode&&okText;r.classList.toggle('hidden',!on);if(on)shown++;
    });
    buttons.forEach(function(b){b.setAttribute('aria-pressed',String(b.dataset.mode===mode));});
    count.textContent=shown+' of '+rows.length+' cases';none.classList.toggle('hidden',shown>0);
    history.replaceState(null,'','#show='+mode);
  }
  buttons.forEach(function(b){b.addEventListener('click',function(){mode=b.dataset.mode;apply();});});
  q.addEventListener('input',apply);apply();
})();
"#;

/// Non-passing cases up to this many start expanded, so the page opens on what went wrong.
const OPEN_FAILURES: usize = 10;

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// An answer as HTML: escaped, with markdown's `**bold**` shown bold when the markers pair up.
fn answer_html(text: &str) -> String {
    let parts: Vec<&str> = text.split("**").collect();
    if parts.len() < 3 || parts.len().is_multiple_of(2) {
        return esc(text);
    }
    let mut out = String::with_capacity(text.len() + 32);
    for (i, p) in parts.iter().enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<strong>{}</strong>", esc(p));
        } else {
            out.push_str(&esc(p));
        }
    }
    out
}

fn diff_html(old: &str, new: &str) -> (String, String) {
    let (mut left, mut right) = (String::new(), String::new());
    for p in word_pieces(old, new) {
        match p {
            Piece::Same(s) => {
                left.push_str(&esc(&s));
                right.push_str(&esc(&s));
            }
            Piece::Removed(s) => {
                let _ = write!(left, "<del>{}</del>", esc(&s));
            }
            Piece::Added(s) => {
                let _ = write!(right, "<ins>{}</ins>", esc(&s));
            }
        }
    }
    (left, right)
}

fn seconds(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

fn case_html(out: &mut String, c: &CaseReport, report: &Report, slowest: u64, open: bool) {
    let change = report
        .comparison
        .as_ref()
        .and_then(|cmp| cmp.cases.iter().find(|x| x.name == c.name));
    let changed = change.is_some_and(|x| x.change != Change::StillPassing || x.diff.is_some());
    let v = c.verdict.as_str();
    let _ = write!(
        out,
        "<details class=\"case {v}\" data-verdict=\"{v}\" data-changed=\"{}\"{}><summary><span class=\"pill {v}\">{v}</span><span class=\"name\">{}",
        u8::from(changed),
        if open { " open" } else { "" },
        esc(&c.name)
    );
    for t in &c.tags {
        let _ = write!(out, "<span class=\"tag\">{}</span>", esc(t));
    }
    // "still passing" is the normal case: only a change worth a look gets a badge.
    if let Some(x) = change.filter(|x| x.change != Change::StillPassing) {
        let _ = write!(
            out,
            "<span class=\"change {0}\">{1}</span>",
            x.change.as_str(),
            x.change.as_str().replace('-', " ")
        );
    }
    if c.runs.len() > 1 {
        let _ = write!(
            out,
            "<span class=\"rate\">{:.0}% of {} runs</span>",
            c.pass_rate * 100.0,
            c.runs.len()
        );
    }
    let width = if slowest == 0 {
        0
    } else {
        (u128::from(c.max_ms) * 100 / u128::from(slowest)).min(100)
    };
    let _ = write!(
        out,
        "</span><span class=\"why\" title=\"{0}\">{0}</span><span class=\"time\"><span class=\"track\"><i style=\"width:{width}%\"></i></span><span>{1}</span></span><span class=\"cr\">{2} cr</span></summary><div class=\"body\">",
        esc(&c.reason()),
        seconds(c.max_ms),
        c.credits
    );
    match c.worst_run() {
        None => out.push_str("<p class=\"detail\">Not run.</p>"),
        Some(run) => {
            for (i, t) in run.turns.iter().enumerate() {
                let _ = write!(
                    out,
                    "<div class=\"turn\"><div class=\"msg user\">{}</div><div class=\"msg bot\">{}</div>",
                    esc(&t.message),
                    answer_html(&t.answer.text)
                );
                for call in &t.answer.tool_calls {
                    let _ = write!(
                        out,
                        "<span class=\"tool\">⚙ {} {}</span>",
                        esc(&call.name),
                        esc(&call.input.to_string())
                    );
                }
                let mut meta = Vec::new();
                if let Some(ms) = t.answer.first_token_ms {
                    meta.push(format!("first token {}", seconds(ms)));
                }
                meta.push(format!("total {}", seconds(t.answer.total_ms)));
                if let Some(cr) = t.answer.credits {
                    meta.push(format!("{cr} credit{}", if cr == 1.0 { "" } else { "s" }));
                }
                if let Some(f) = &t.answer.finish_reason {
                    meta.push(format!("finish {}", esc(f)));
                }
                let _ = write!(
                    out,
                    "<div class=\"meta\">{}</div><ul class=\"as\">",
                    meta.join(" · ")
                );
                for a in &t.assertions {
                    let _ = write!(
                        out,
                        "<li class=\"{}\">{} <span class=\"detail\">— {}</span></li>",
                        if a.pass { "ok" } else { "bad" },
                        esc(&a.assertion),
                        esc(&a.detail)
                    );
                }
                out.push_str("</ul>");
                if i + 1 == run.turns.len()
                    && let Some(x) = change
                    && let (Some(old), Some(new)) = (&x.old_answer, &x.new_answer)
                {
                    let (l, r) = diff_html(old, new);
                    let _ = write!(
                        out,
                        "<div class=\"sbs\"><div><h4>Baseline answer</h4><div class=\"msg bot\">{l}</div></div><div><h4>This run</h4><div class=\"msg bot\">{r}</div></div></div>"
                    );
                }
                out.push_str("</div>");
            }
            if let Some(e) = &run.error {
                let _ = write!(out, "<p class=\"err\">{}</p>", esc(e));
            }
        }
    }
    out.push_str("</div></details>\n");
}

impl Report {
    /// The self-contained HTML page.
    pub fn to_html(&self, title: &str) -> String {
        let s = &self.summary;
        let total = self.cases.len();
        let mut out = String::with_capacity(16 * 1024 + total * 2048);
        let _ = write!(
            out,
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\
<title>{} — chatbase eval</title><style>{STYLE}</style></head><body><main>",
            esc(title)
        );
        let rate = if total == 0 {
            0.0
        } else {
            (s.passed as f64 * 100.0 / total as f64).round()
        };
        let _ = write!(
            out,
            "<div class=\"top\"><div><h1>{}</h1><p class=\"sub\">agent {} · {} case{} · {}{}</p></div><div class=\"score {}\"><b>{rate}%</b><span>{} of {total} passed</span></div></div>",
            esc(title),
            esc(&self.agent_id),
            total,
            if total == 1 { "" } else { "s" },
            seconds(self.total_ms),
            match &self.description {
                Some(d) => format!(" · {}", esc(d)),
                None => String::new(),
            },
            if s.passed == total { "good" } else { "bad" },
            s.passed,
        );
        out.push_str("<div class=\"meter\" role=\"img\" aria-label=\"verdicts\">");
        for (class, n) in [
            ("pass", s.passed),
            ("fail", s.failed),
            ("error", s.errored),
            ("skipped", s.skipped),
        ] {
            if n > 0 {
                let _ = write!(
                    out,
                    "<span class=\"{class}\" style=\"flex:{n}\" title=\"{n} {class}\"></span>"
                );
            }
        }
        out.push_str("</div>");
        if self.incomplete {
            let _ = write!(
                out,
                "<div class=\"warn\">Incomplete: {}.</div>",
                esc(self
                    .stop_reason
                    .as_deref()
                    .unwrap_or("the run stopped early"))
            );
        }
        out.push_str("<div class=\"cards\">");
        let zero = |n: usize| if n == 0 { " zero" } else { "" };
        for (class, label, n) in [
            ("pass", "passed", s.passed),
            ("fail", "failed", s.failed),
            ("error", "errored", s.errored),
            ("skipped", "not run", s.skipped),
        ] {
            let _ = write!(
                out,
                "<div class=\"card {class}{}\"><b>{n}</b>{label}</div>",
                zero(n)
            );
        }
        let _ = write!(out, "<div class=\"card\"><b>{}</b>credits</div>", s.credits);
        if let Some(cmp) = &self.comparison {
            let (worse, fixed) = (cmp.count(Change::NewlyFailing), cmp.count(Change::Fixed));
            let _ = write!(
                out,
                "<div class=\"card fail{}\"><b>{worse}</b>newly failing</div><div class=\"card pass{}\"><b>{fixed}</b>fixed</div>",
                zero(worse),
                zero(fixed)
            );
        }
        out.push_str("</div><div class=\"bar\"><button data-mode=\"all\">All</button><button data-mode=\"failures\">Failures</button><button data-mode=\"passes\">Passes</button>");
        if self.comparison.is_some() {
            out.push_str("<button data-mode=\"changed\">Changed</button>");
        }
        out.push_str("<input id=\"q\" type=\"search\" placeholder=\"Search cases and answers\" aria-label=\"Search\"><span id=\"count\" class=\"detail\"></span></div>\n");
        let slowest = self.cases.iter().map(|c| c.max_ms).max().unwrap_or(0);
        let failures = self
            .cases
            .iter()
            .filter(|c| !matches!(c.verdict, Verdict::Pass | Verdict::Skipped))
            .count();
        for c in &self.cases {
            let open =
                failures <= OPEN_FAILURES && !matches!(c.verdict, Verdict::Pass | Verdict::Skipped);
            case_html(&mut out, c, self, slowest, open);
        }
        out.push_str("<p id=\"none\" class=\"empty hidden\">No case matches.</p>");
        if let Some(cmp) = &self.comparison
            && !cmp.removed.is_empty()
        {
            let names: Vec<String> = cmp.removed.iter().map(|n| esc(n)).collect();
            let _ = write!(
                out,
                "<p class=\"detail\">Removed since the baseline: {}</p>",
                names.join(", ")
            );
        }
        let _ = writeln!(
            out,
            "<footer>chatbase eval · {}</footer></main><script>{SCRIPT}</script></body></html>",
            esc(title)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assertion::{Answer, Assertion};
    use crate::report::{RunReport, TurnReport};
    use crate::suite::Suite;

    fn report(answer: &str) -> Report {
        let suite = Suite::parse(
            "cases:\n  - {name: \"a <b>\", message: hi, tags: [x]}\n  - {name: second, message: hi}\n",
            "s.yaml",
        )
        .expect("suite");
        let a =
            Assertion::from_value(&serde_json::json!({"icontains": "reset"})).expect("assertion");
        let answer = Answer {
            text: answer.to_owned(),
            ..Default::default()
        };
        let turn = TurnReport {
            message: "hi".to_owned(),
            assertions: vec![a.evaluate(&answer)],
            answer,
        };
        let run = RunReport::new(vec![turn], None, None, 5);
        let opts = crate::RunOptions::new("agent-1");
        let cases = suite
            .cases
            .iter()
            .map(|c| crate::report::CaseReport::new(c, vec![Some(run.clone())], 1.0))
            .collect();
        Report::new(&suite, "agent-1", &opts, cases, None, 10)
    }

    #[test]
    fn the_page_is_self_contained_and_escapes_every_answer() {
        let r = report("<script>alert('x')</script> & no reset here? Reset link.");
        let html = r.to_html("demo <suite>");
        assert!(
            !html.contains("<script>alert"),
            "an answer must not become markup"
        );
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp;"));
        assert!(html.contains("a &lt;b&gt;"));
        assert!(html.contains("<title>demo &lt;suite&gt; — chatbase eval</title>"));
        for external in [
            "src=\"http",
            "href=\"http",
            "src=\"//",
            "href=\"//",
            "@import",
            "url(",
        ] {
            assert!(!html.contains(external), "external reference {external}");
        }
        assert_eq!(html.matches("<details class=\"case").count(), 2);
        assert_eq!(html.matches("<script>").count(), 1);
    }

    #[test]
    fn paired_bold_markers_are_bold_and_everything_stays_escaped() {
        assert_eq!(
            answer_html("Click **Reset <now>** then **Save**."),
            "Click <strong>Reset &lt;now&gt;</strong> then <strong>Save</strong>."
        );
        assert_eq!(answer_html("2 ** 3 is 8"), "2 ** 3 is 8");
        assert_eq!(answer_html("a **b** c **d"), "a **b** c **d");
        let html = report("**Reset** link").to_html("t");
        assert!(html.contains("<strong>Reset</strong> link"), "{html}");
    }

    #[test]
    fn with_a_baseline_the_changed_words_are_marked_side_by_side() {
        let old = report("The reset link is valid for 60 minutes.");
        let mut new = report("The reset link is valid for 30 minutes.");
        new.comparison = Some(crate::baseline::compare(&old, &new));
        let html = new.to_html("demo");
        assert!(html.contains("<del>60</del>"), "{html}");
        assert!(html.contains("<ins>30</ins>"), "{html}");
        assert!(html.contains("Baseline answer"));
        assert!(html.contains("data-mode=\"changed\""));
        assert!(html.contains("data-changed=\"1\""));
    }
}
