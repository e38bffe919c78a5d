//! The HTML report: one self-contained page (inline style and script, no network, no external assets) with the
//! verdict counts, a row per case whose answers expand, failed assertions highlighted, and, with a baseline, the
//! old and new answers side by side with the changed words marked. Rows are rendered here, so the page reads
//! without JavaScript; the script only filters and searches. Every text from the run is HTML-escaped.

use std::fmt::Write as _;

use crate::baseline::{Change, Piece, word_pieces};
use crate::report::{CaseReport, Report};

const STYLE: &str = r#"
:root{--pass:#1a7f37;--fail:#cf222e;--error:#9a6700;--skip:#6e7781;--bg:#fff;--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--soft:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#8d96a0;--line:#30363d;--soft:#161b22}}
*{box-sizing:border-box}body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--fg)}
main{max-width:1200px;margin:0 auto;padding:24px}h1{font-size:20px;margin:0 0 4px}.sub{color:var(--muted);margin:0 0 16px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:16px}.card{border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:110px;background:var(--soft)}
.card b{display:block;font-size:22px}.card.pass b{color:var(--pass)}.card.fail b{color:var(--fail)}.card.error b{color:var(--error)}.card.skipped b{color:var(--skip)}
.bar{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin-bottom:12px;position:sticky;top:0;background:var(--bg);padding:8px 0;border-bottom:1px solid var(--line)}
.bar button{border:1px solid var(--line);background:var(--soft);color:var(--fg);border-radius:6px;padding:4px 10px;cursor:pointer}.bar button[aria-pressed=true]{border-color:var(--fg);font-weight:600}
.bar input{flex:1;min-width:180px;padding:5px 8px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
.case{border:1px solid var(--line);border-left-width:4px;border-radius:6px;margin:8px 0;background:var(--bg)}
.case.pass{border-left-color:var(--pass)}.case.fail{border-left-color:var(--fail)}.case.error{border-left-color:var(--error)}.case.skipped{border-left-color:var(--skip)}
.case>summary{cursor:pointer;padding:8px 12px;display:flex;gap:12px;align-items:baseline;list-style:none}.case>summary::-webkit-details-marker{display:none}
.name{font-weight:600;flex:1}.why{color:var(--fail);flex:2;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}.num{color:var(--muted);white-space:nowrap}
.tag{font-size:12px;border:1px solid var(--line);border-radius:10px;padding:0 6px;color:var(--muted)}
.v{font-size:12px;font-weight:700;text-transform:uppercase;min-width:56px}.v.pass{color:var(--pass)}.v.fail{color:var(--fail)}.v.error{color:var(--error)}.v.skipped{color:var(--skip)}
.body{padding:0 12px 12px}.turn{margin-top:10px}.q{font-weight:600}.q::before{content:"› ";color:var(--muted)}
pre{white-space:pre-wrap;word-break:break-word;background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:8px;margin:6px 0;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace}
ul.as{list-style:none;padding:0;margin:4px 0}ul.as li{padding:2px 6px;border-radius:4px}ul.as li.ok::before{content:"✓ ";color:var(--pass)}
ul.as li.bad{background:color-mix(in srgb,var(--fail) 12%,transparent)}ul.as li.bad::before{content:"✗ ";color:var(--fail)}.detail{color:var(--muted)}
.change{font-size:12px;border-radius:10px;padding:0 8px;background:var(--soft);border:1px solid var(--line)}.change.newly-failing{color:var(--fail);border-color:var(--fail)}.change.fixed{color:var(--pass);border-color:var(--pass)}
.sbs{display:grid;grid-template-columns:1fr 1fr;gap:8px}.sbs h4{margin:6px 0 0;font-size:12px;color:var(--muted)}
del{background:color-mix(in srgb,var(--fail) 22%,transparent);text-decoration:line-through}ins{background:color-mix(in srgb,var(--pass) 22%,transparent);text-decoration:none}
.err{color:var(--error)}.hidden{display:none}.warn{border:1px solid var(--error);color:var(--error);padding:8px 12px;border-radius:6px;margin-bottom:12px}
"#;

const SCRIPT: &str = r#"
(function(){
  var rows=[].slice.call(document.querySelectorAll('details.case'));
  var q=document.getElementById('q'),count=document.getElementById('count');
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
    count.textContent=shown+' of '+rows.length+' cases';
    history.replaceState(null,'','#show='+mode);
  }
  buttons.forEach(function(b){b.addEventListener('click',function(){mode=b.dataset.mode;apply();});});
  q.addEventListener('input',apply);apply();
})();
"#;

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

fn case_html(out: &mut String, c: &CaseReport, report: &Report) {
    let change = report
        .comparison
        .as_ref()
        .and_then(|cmp| cmp.cases.iter().find(|x| x.name == c.name));
    let changed = change.is_some_and(|x| x.change != Change::StillPassing || x.diff.is_some());
    let v = c.verdict.as_str();
    let _ = write!(
        out,
        "<details class=\"case {v}\" data-verdict=\"{v}\" data-changed=\"{}\"><summary><span class=\"v {v}\">{v}</span><span class=\"name\">{}</span>",
        u8::from(changed),
        esc(&c.name)
    );
    for t in &c.tags {
        let _ = write!(out, "<span class=\"tag\">{}</span>", esc(t));
    }
    if let Some(x) = change {
        let _ = write!(
            out,
            "<span class=\"change {0}\">{0}</span>",
            x.change.as_str()
        );
    }
    let _ = write!(out, "<span class=\"why\">{}</span>", esc(&c.reason()));
    if c.runs.len() > 1 {
        let _ = write!(
            out,
            "<span class=\"num\">{:.0}% of runs</span>",
            c.pass_rate * 100.0
        );
    }
    let _ = write!(
        out,
        "<span class=\"num\">{} ms</span><span class=\"num\">{} cr</span></summary><div class=\"body\">",
        c.max_ms, c.credits
    );
    match c.worst_run() {
        None => out.push_str("<p class=\"detail\">Not run.</p>"),
        Some(run) => {
            for (i, t) in run.turns.iter().enumerate() {
                let _ = write!(
                    out,
                    "<div class=\"turn\"><div class=\"q\">{}</div><pre>{}</pre><ul class=\"as\">",
                    esc(&t.message),
                    esc(&t.answer.text)
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
                        "<div class=\"sbs\"><div><h4>Baseline answer</h4><pre>{l}</pre></div><div><h4>This run</h4><pre>{r}</pre></div></div>"
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
        let mut out = String::with_capacity(16 * 1024 + self.cases.len() * 2048);
        let _ = write!(
            out,
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\
<title>{} — chatbase eval</title><style>{STYLE}</style></head><body><main>",
            esc(title)
        );
        let _ = write!(
            out,
            "<h1>{}</h1><p class=\"sub\">agent {} · {} case{} · {:.1} s{}</p>",
            esc(title),
            esc(&self.agent_id),
            self.cases.len(),
            if self.cases.len() == 1 { "" } else { "s" },
            self.total_ms as f64 / 1000.0,
            match &self.description {
                Some(d) => format!(" · {}", esc(d)),
                None => String::new(),
            }
        );
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
        for (class, label, n) in [
            ("pass", "passed", s.passed),
            ("fail", "failed", s.failed),
            ("error", "errored", s.errored),
            ("skipped", "not run", s.skipped),
        ] {
            let _ = write!(out, "<div class=\"card {class}\"><b>{n}</b>{label}</div>");
        }
        let _ = write!(out, "<div class=\"card\"><b>{}</b>credits</div>", s.credits);
        if let Some(cmp) = &self.comparison {
            let _ = write!(
                out,
                "<div class=\"card fail\"><b>{}</b>newly failing</div><div class=\"card pass\"><b>{}</b>fixed</div>",
                cmp.count(Change::NewlyFailing),
                cmp.count(Change::Fixed)
            );
        }
        out.push_str("</div><div class=\"bar\"><button data-mode=\"all\">All</button><button data-mode=\"failures\">Failures</button><button data-mode=\"passes\">Passes</button>");
        if self.comparison.is_some() {
            out.push_str("<button data-mode=\"changed\">Changed</button>");
        }
        out.push_str("<input id=\"q\" type=\"search\" placeholder=\"Search cases and answers\" aria-label=\"Search\"><span id=\"count\" class=\"num\"></span></div>\n");
        for c in &self.cases {
            case_html(&mut out, c, self);
        }
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
        let _ = writeln!(out, "</main><script>{SCRIPT}</script></body></html>");
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
