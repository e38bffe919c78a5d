//! The HTML report, rendered offline in a headless browser.

use super::*;

/// Runs Debian's `chromium` (or `$CHROMIUM`) headless on a local file, offline: every request the browser itself
/// would make goes to a closed local port. Fails, never skips, when the browser is missing.
fn chromium(args: &[&str], page: &Path) -> std::process::Output {
    let bin = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".to_owned());
    std::process::Command::new(&bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--proxy-server=http://127.0.0.1:9",
            "--enable-logging=stderr",
            "--v=0",
            "--hide-scrollbars",
        ])
        // A throwaway profile next to the page, so nothing lands in the user's home.
        .arg(format!(
            "--user-data-dir={}",
            page.with_file_name("chromium-profile").display()
        ))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {bin} ({e}); install it: apt-get update && apt-get install -y chromium"
            )
        })
}

/// Injected at the top of a copy of the page: records errors and blocked requests, then, after load, checks what
/// a person would see and does what they would do (open a passing case, press "Failures"), and writes the
/// findings into the DOM as JSON for `--dump-dom`.
const PROBE: &str = r#"<script>
(function(){
  var p={errors:[],blocked:[]};
  addEventListener('error',function(e){p.errors.push(String(e.message||e.type));},true);
  addEventListener('securitypolicyviolation',function(e){p.blocked.push(e.blockedURI+' '+e.violatedDirective);});
  var ce=console.error;console.error=function(){p.errors.push([].join.call(arguments,' '));ce.apply(console,arguments);};
  function visible(el){if(!el)return false;var r=el.getBoundingClientRect();return r.width>0&&r.height>0&&el.checkVisibility({opacityProperty:true,visibilityProperty:true});}
  addEventListener('load',function(){
    p.resources=performance.getEntriesByType('resource').map(function(e){return e.name;});
    p.cards={};[].forEach.call(document.querySelectorAll('.card'),function(c){p.cards[c.textContent.replace(/^[0-9.]+/,'')]={n:c.querySelector('b').textContent,visible:visible(c)};});
    var fail=document.querySelector('details.case.fail');
    p.failed={name:fail&&fail.querySelector('.name').firstChild.textContent,visible:visible(fail&&fail.querySelector('summary')),why:fail&&fail.querySelector('.why').textContent,open:!!(fail&&fail.open),badVisible:visible(fail&&fail.querySelector('li.bad'))};
    var pass=document.querySelector('details.case.pass:not([open])');var bot=pass&&pass.querySelector('.msg.bot');
    p.expand={before:visible(bot)};if(pass){pass.querySelector('summary').click();}
    p.expand.after=visible(bot);p.expand.text=bot?bot.textContent.slice(0,40):null;
    document.querySelector('button[data-mode=failures]').click();
    p.shownAfterFilter=[].filter.call(document.querySelectorAll('details.case'),visible).length;
    p.count=document.getElementById('count').textContent;
    p.diff={del:document.querySelectorAll('.sbs del').length,ins:document.querySelectorAll('.sbs ins').length};
    var out=document.createElement('pre');out.id='probe';out.textContent=JSON.stringify(p);document.body.appendChild(out);
  });
})();
</script>"#;

#[test]
fn the_html_report_renders_in_a_headless_browser_offline_and_without_errors() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let suite = write(
        &dir,
        "browser.yaml",
        "description: Acme help centre\ncases:\n  - {name: password reset, message: How do I reset my password?, tags: [account], assert: [{icontains: reset link}]}\n  - {name: free trial, message: Is there a free trial?, assert: [{icontains: 14-day}, {not-icontains: credit card}]}\n  - {name: the card, message: How do I replace my card?, assert: [{icontains: Replace card}]}\n",
    );
    // A baseline whose free-trial answer differs, so the page has a side-by-side diff too.
    let base = dir.path().join("base.json");
    let out = emu
        .cmd()
        .arg("eval")
        .arg(&suite)
        .arg("--json-report")
        .arg(&base)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let mut old: Value =
        serde_json::from_str(&std::fs::read_to_string(&base).expect("read")).expect("json");
    let text = &mut old["cases"][1]["runs"][0]["turns"][0]["answer"]["text"];
    let changed = text.as_str().expect("text").replace("14-day", "30-day");
    *text = Value::String(changed);
    std::fs::write(&base, old.to_string()).expect("write baseline");
    let page = dir.path().join("report.html");
    let out = emu
        .cmd()
        .arg("eval")
        .arg(&suite)
        .arg("--baseline")
        .arg(&base)
        .arg("--html")
        .arg(&page)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let html = std::fs::read_to_string(&page).expect("html");

    let probed = dir.path().join("probed.html");
    std::fs::write(
        &probed,
        html.replacen("<head>", &format!("<head>{PROBE}"), 1),
    )
    .expect("write");
    let out = chromium(&["--virtual-time-budget=3000", "--dump-dom"], &probed);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let dom = stdout_of(&out);
    let log = stderr_of(&out);
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
    let json = dom
        .split_once("<pre id=\"probe\">")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(j, _)| {
            j.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .unwrap_or_else(|| panic!("the probe did not run: {dom}"));
    let p: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(p["errors"], serde_json::json!([]), "{p:#}");
    assert_eq!(p["blocked"], serde_json::json!([]), "{p:#}");
    assert_eq!(p["resources"], serde_json::json!([]), "{p:#}");
    for (label, n) in [("passed", "2"), ("failed", "1"), ("errored", "0")] {
        assert_eq!(p["cards"][label]["n"], n, "{label}: {p:#}");
        assert_eq!(p["cards"][label]["visible"], true, "{label}: {p:#}");
    }
    assert_eq!(p["failed"]["name"], "free trial", "{p:#}");
    assert_eq!(p["failed"]["visible"], true, "{p:#}");
    assert!(
        p["failed"]["why"]
            .as_str()
            .is_some_and(|w| w.contains("credit card")),
        "{p:#}"
    );
    // A failure opens on its own, with the failed assertion in view.
    assert_eq!(p["failed"]["open"], true, "{p:#}");
    assert_eq!(p["failed"]["badVisible"], true, "{p:#}");
    // A passing case's answer is hidden until its row is clicked.
    assert_eq!(p["expand"]["before"], false, "{p:#}");
    assert_eq!(p["expand"]["after"], true, "{p:#}");
    assert!(
        p["expand"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Here is what I found")),
        "{p:#}"
    );
    assert_eq!(p["shownAfterFilter"], 1, "{p:#}");
    assert_eq!(p["count"], "1 of 3 cases", "{p:#}");
    assert!(p["diff"]["del"].as_u64().is_some_and(|n| n > 0), "{p:#}");
    assert!(p["diff"]["ins"].as_u64().is_some_and(|n| n > 0), "{p:#}");

    // The untouched page as people see it; CHATBASE_EVAL_SCREENSHOT=FILE keeps a copy to look at.
    let shot = dir.path().join("report.png");
    let out = chromium(
        &[
            "--window-size=1280,1400",
            &format!("--screenshot={}", shot.display()),
        ],
        &page,
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    // 1280 × 1400, from the IHDR chunk.
    assert_eq!(&png[16..24], &[0, 0, 5, 0, 0, 0, 5, 120]);
    if let Some(keep) = std::env::var_os("CHATBASE_EVAL_SCREENSHOT") {
        std::fs::copy(&shot, keep).expect("copy the screenshot");
    }
}
