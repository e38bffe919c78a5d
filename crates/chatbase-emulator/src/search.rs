//! Retrieval for answers: chunks an agent's sources, indexes them with BM25 (`bm25` crate)
//! and composes a deterministic reply that cites the best passages. Does not touch storage.

use std::cmp::Ordering;

use bm25::{Document, Language, SearchEngine, SearchEngineBuilder};

/// Indexable text of one source.
#[derive(Debug, Clone)]
pub(crate) struct SourceText {
    pub name: String,
    pub kind: SourceKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SourceKind {
    /// Prose (text sources, TXT/Markdown files): split into passages.
    Prose,
    /// A Q&A pair: `text` holds the questions, `answer` the reply.
    Qna,
}

#[derive(Debug, Clone)]
struct Chunk {
    source: String,
    heading: Option<String>,
    text: String,
    /// For Q&A chunks, the answer to give verbatim.
    answer: Option<String>,
}

/// A built index for one agent.
pub(crate) struct AgentIndex {
    chunks: Vec<Chunk>,
    engine: Option<SearchEngine<u32>>,
}

/// One cited passage.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub score: f32,
    index: usize,
    source: String,
    heading: Option<String>,
    text: String,
    answer: Option<String>,
}

const TARGET_CHUNK_CHARS: usize = 700;

fn push_chunks(out: &mut Vec<Chunk>, source: &str, text: &str) {
    let mut heading: Option<String> = None;
    let mut buf = String::new();
    let flush = |out: &mut Vec<Chunk>, heading: &Option<String>, buf: &mut String| {
        let body = buf.trim();
        if !body.is_empty() {
            out.push(Chunk {
                source: source.to_string(),
                heading: heading.clone(),
                text: body.to_string(),
                answer: None,
            });
        }
        buf.clear();
    };
    for para in text.split("\n\n") {
        let para = para.trim();
        if para.is_empty() {
            continue;
        }
        // Markdown headings start a new passage and title it.
        let mut lines = para.lines();
        let first = lines.next().unwrap_or_default();
        let body: String;
        if let Some(h) = first.strip_prefix('#') {
            flush(out, &heading, &mut buf);
            heading = Some(h.trim_start_matches('#').trim().to_string());
            body = lines.collect::<Vec<_>>().join("\n");
        } else {
            body = para.to_string();
        }
        if body.trim().is_empty() {
            continue;
        }
        if !buf.is_empty() && buf.len() + body.len() > TARGET_CHUNK_CHARS {
            flush(out, &heading, &mut buf);
        }
        if !buf.is_empty() {
            buf.push_str("\n\n");
        }
        buf.push_str(body.trim());
    }
    flush(out, &heading, &mut buf);
}

impl AgentIndex {
    pub fn build(sources: &[(SourceText, Option<String>)]) -> Self {
        let mut chunks = Vec::new();
        for (src, answer) in sources {
            match src.kind {
                SourceKind::Prose => push_chunks(&mut chunks, &src.name, &src.text),
                SourceKind::Qna => chunks.push(Chunk {
                    source: src.name.clone(),
                    heading: None,
                    text: src.text.clone(),
                    answer: answer.clone(),
                }),
            }
        }
        let engine = if chunks.is_empty() {
            None
        } else {
            let docs = chunks.iter().enumerate().map(|(i, c)| {
                // Titles and Q&A answers take part in matching.
                let mut contents = String::new();
                contents.push_str(&c.source);
                contents.push('\n');
                if let Some(h) = &c.heading {
                    contents.push_str(h);
                    contents.push('\n');
                }
                contents.push_str(&c.text);
                if let Some(a) = &c.answer {
                    contents.push('\n');
                    contents.push_str(a);
                }
                Document::new(i as u32, contents)
            });
            Some(SearchEngineBuilder::<u32>::with_documents(Language::English, docs).build())
        };
        Self { chunks, engine }
    }

    /// The passage after `hit` when it continues the same source (short intros read
    /// better with the section that follows them).
    fn continuation(&self, hit: &Hit) -> Option<&str> {
        let next = self.chunks.get(hit.index + 1)?;
        (next.source == hit.source && next.answer.is_none()).then_some(next.text.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// Best passages, highest score first; ties broken by position so results are stable.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        let Some(engine) = &self.engine else {
            return Vec::new();
        };
        let mut results = engine.search(query, None);
        results.sort_by(|a, b| {
            b.score
                .partial_cmp(&a.score)
                .unwrap_or(Ordering::Equal)
                .then(a.document.id.cmp(&b.document.id))
        });
        results
            .into_iter()
            .filter(|r| r.score > 0.0)
            .take(limit)
            .filter_map(|r| {
                let c = self.chunks.get(r.document.id as usize)?;
                Some(Hit {
                    score: r.score,
                    index: r.document.id as usize,
                    source: c.source.clone(),
                    heading: c.heading.clone(),
                    text: c.text.clone(),
                    answer: c.answer.clone(),
                })
            })
            .collect()
    }
}

fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    // End on a sentence when one finishes in the second half of the excerpt.
    match cut.rfind(". ") {
        Some(i) if i > max / 2 => cut[..=i].to_string(),
        _ => format!("{}…", cut.trim_end()),
    }
}

fn is_greeting(q: &str) -> bool {
    let w: String = q.trim().trim_end_matches(['!', '.', '?']).to_lowercase();
    matches!(
        w.as_str(),
        "hi" | "hello"
            | "hey"
            | "hi there"
            | "hello there"
            | "good morning"
            | "good afternoon"
            | "good evening"
    )
}

/// A composed answer and the score of its best passage.
pub(crate) struct Answer {
    pub text: String,
    pub score: Option<f64>,
}

/// Answers `question` from the index, deterministically.
pub(crate) fn answer(index: &AgentIndex, question: &str, greeting: Option<&str>) -> Answer {
    if is_greeting(question) {
        return Answer {
            text: greeting
                .unwrap_or("Hi! What can I help you with?")
                .to_string(),
            score: None,
        };
    }
    if index.is_empty() {
        return Answer {
            text: "I don't have any knowledge sources yet, so I can't answer that. Add a text, Q&A or file source to this agent and ask again.".into(),
            score: None,
        };
    }
    let hits = index.search(question, 3);
    let Some(best) = hits.first() else {
        return Answer {
            text: "I'm sorry, I couldn't find anything about that in my knowledge base. Could you rephrase the question, or ask about something else?".into(),
            score: None,
        };
    };
    // Weak secondary matches are noise; cite only passages close to the best one.
    let cited: Vec<&Hit> = hits
        .iter()
        .filter(|h| h.score >= best.score * 0.5)
        .collect();
    let title = |h: &Hit| match &h.heading {
        Some(head) if head != &h.source => format!("{} › {}", h.source, head),
        _ => h.source.clone(),
    };
    let mut text = String::new();
    if let Some(a) = &best.answer {
        text.push_str(a.trim());
    } else {
        text.push_str(&format!("Here is what I found in \"{}\":\n\n", title(best)));
        let mut passage = best.text.clone();
        if passage.chars().count() < 250
            && let Some(next) = index.continuation(best)
        {
            passage.push_str("\n\n");
            passage.push_str(next);
        }
        text.push_str(&excerpt(&passage, 700));
    }
    // One entry per source: the passage title above already names the section quoted.
    let mut names: Vec<String> = Vec::new();
    for h in &cited {
        if !names.contains(&h.source) {
            names.push(h.source.clone());
        }
    }
    text.push_str("\n\nSources: ");
    text.push_str(&names.join("; "));
    Answer {
        text,
        score: Some(f64::from(best.score)),
    }
}

/// Splits a reply into small deltas (a word and its trailing space each), as a model
/// would stream tokens. Concatenating them gives back `text` exactly.
pub(crate) fn deltas(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_space = false;
    for ch in text.chars() {
        let space = ch.is_whitespace();
        if in_space && !space && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        in_space = space;
        cur.push(ch);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_round_trip() {
        let t = "Hello  world,\n\nthis is  a test. ";
        assert_eq!(deltas(t).concat(), t);
        assert!(deltas(t).len() > 3);
    }

    #[test]
    fn answers_cite_best_passage_and_admit_ignorance() {
        let sources = vec![
            (
                SourceText {
                    name: "Passwords".into(),
                    kind: SourceKind::Prose,
                    text: "# Resetting your password\n\nOpen Settings and choose Reset password. We email you a link.".into(),
                },
                None,
            ),
            (
                SourceText {
                    name: "Billing".into(),
                    kind: SourceKind::Prose,
                    text: "# Invoices\n\nInvoices are sent monthly.".into(),
                },
                None,
            ),
        ];
        let idx = AgentIndex::build(&sources);
        let a = answer(&idx, "How do I reset my password?", None);
        assert!(a.text.contains("Reset password"), "{}", a.text);
        assert!(a.text.contains("Sources: Passwords"), "{}", a.text);
        let again = answer(&idx, "How do I reset my password?", None);
        assert_eq!(a.text, again.text);
        let none = answer(&idx, "zebra migration patterns", None);
        assert!(none.text.contains("couldn't find"), "{}", none.text);
    }
}
