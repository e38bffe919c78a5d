//! Paginators: cursor walks, repeated cursors, totals and page caps, v1 numbered pages.

use super::*;

#[tokio::test]
async fn pagination_walks_1000_items_in_10_requests_and_stops_on_has_more_false() {
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for page in 0..10usize {
        let items: Vec<_> = (page * 100..(page + 1) * 100).map(conversation).collect();
        let last = page == 9;
        let next = if last {
            json!(null)
        } else {
            json!(format!("cur{}", page + 1))
        };
        mocks.push(
            server
                .mock_async(move |when, then| {
                    let w = when.method(GET).path("/api/v2/agents/a/conversations").query_param("limit", "100");
                    if page == 0 {
                        w.query_param_missing("cursor");
                    } else {
                        w.query_param("cursor", format!("cur{page}"));
                    }
                    then.status(200).json_body(json!({"data": items, "pagination": {"cursor": next, "hasMore": !last, "total": 1000}}));
                })
                .await,
        );
    }
    let c = client(&server);
    let ids: Vec<String> = c
        .agent("a")
        .conversations()
        .list()
        .limit(100)
        .items()
        .map_ok(|c| c.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids.len(), 1000);
    assert_eq!(ids[999], "c999");
    for m in &mocks {
        m.assert_calls_async(1).await;
    }

    let pages: Vec<_> = c
        .agent("a")
        .conversations()
        .list()
        .limit(100)
        .max_items(150)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].total(), Some(1000));
    assert_eq!(pages[1].items().len(), 50);
    mocks[2].assert_calls_async(1).await;

    let first = c
        .agent("a")
        .conversations()
        .list()
        .limit(100)
        .first_page()
        .await
        .unwrap();
    assert_eq!(first.next_cursor(), Some("cur1"));
}

#[tokio::test]
async fn pagination_reports_a_repeated_cursor_as_an_error() {
    // An empty page is the server's last page, whatever its cursor says.
    let server = MockServer::start_async().await;
    let loop_mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v2/agents/a/conversations/c/messages");
            then.status(200).json_body(
                json!({"data": [], "pagination": {"cursor": "same", "hasMore": true, "total": 0}}),
            );
        })
        .await;
    let n = client(&server)
        .agent("a")
        .conversation("c")
        .list_messages()
        .items()
        .count()
        .await;
    assert_eq!(n, 0);
    loop_mock.assert_calls_async(1).await;

    let server = MockServer::start_async().await;
    let sticky = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v2/agents/a/sources");
            then.status(200).json_body(json!({"data": [source_item("s")], "pagination": {"cursor": "same", "hasMore": true, "total": 9}}));
        })
        .await;
    let items: Vec<Result<_, Error>> = client(&server)
        .agent("a")
        .sources()
        .list()
        .items()
        .collect()
        .await;
    assert_eq!(items.len(), 3, "two items, then the error");
    assert!(items[..2].iter().all(Result::is_ok));
    match &items[2] {
        Err(Error::Pagination {
            reason: chatbase::PaginationStop::RepeatedCursor { cursor },
            pages: 2,
            items: 2,
        }) => assert_eq!(cursor, "same"),
        other => panic!("expected a repeated-cursor error, got {other:?}"),
    }
    assert!(!items[2].as_ref().unwrap_err().is_retryable());
    sticky.assert_calls_async(2).await;
}

#[tokio::test]
async fn pagination_stops_with_an_error_past_the_reported_total_and_at_the_page_cap() {
    // A fresh cursor on every page of a list whose total is 3.
    let server = MockServer::start_async().await;
    let first = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v2/agents/a/sources")
                .query_param_missing("cursor");
            then.status(200).json_body(json!({"data": [source_item("s0")], "pagination": {"cursor": "c1", "hasMore": true, "total": 3}}));
        })
        .await;
    let mut next = Vec::new();
    for i in 1..=4 {
        next.push(
            server
                .mock_async(|when, then| {
                    when.method(GET)
                        .path("/api/v2/agents/a/sources")
                        .query_param("cursor", format!("c{i}"));
                    then.status(200).json_body(json!({"data": [source_item(&format!("s{i}"))], "pagination": {"cursor": format!("c{}", i + 1), "hasMore": true, "total": 3}}));
                })
                .await,
        );
    }
    let c = client(&server);
    let items: Vec<Result<_, Error>> = c.agent("a").sources().list().items().collect().await;
    assert_eq!(items.len(), 4, "three items, then the error: {items:?}");
    assert!(
        matches!(
            items[3],
            Err(Error::Pagination {
                reason: chatbase::PaginationStop::ExceededTotal {
                    total: 3,
                    received: 4
                },
                pages: 4,
                items: 4,
            })
        ),
        "{:?}",
        items[3]
    );
    first.assert_calls_async(1).await;
    next[3].assert_calls_async(0).await;

    let pages: Vec<Result<_, Error>> = c
        .agent("a")
        .sources()
        .list()
        .max_pages(2)
        .pages()
        .collect()
        .await;
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(
        matches!(
            pages[2],
            Err(Error::Pagination {
                reason: chatbase::PaginationStop::PageCap { max_pages: 2 },
                ..
            })
        ),
        "{:?}",
        pages[2]
    );
    next[1].assert_calls_async(1).await;
}

#[tokio::test]
async fn v1_numbered_pagination_uses_page_and_size() {
    let server = MockServer::start_async().await;
    let p1 = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/get-leads")
                .query_param("chatbotId", "b")
                .query_param("page", "1")
                .query_param("size", "2");
            then.status(200)
                .json_body(json!({"collectedCustomers": [{"id": "l1"}, {"id": "l2"}]}));
        })
        .await;
    let p2 = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/get-leads")
                .query_param("page", "2");
            then.status(200)
                .json_body(json!({"collectedCustomers": [{"id": "l3"}]}));
        })
        .await;
    let leads: Vec<_> = client(&server)
        .v1()
        .chatbot("b")
        .list_leads()
        .size(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(leads.len(), 3);
    p1.assert_calls_async(1).await;
    p2.assert_calls_async(1).await;
}
