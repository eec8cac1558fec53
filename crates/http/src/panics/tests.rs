//! Tests of `panics.rs`.

use actix_web::{App, HttpResponse, test, web};

#[actix_web::test]
async fn a_panicking_handler_answers_500_in_the_error_shape() {
    let app = test::init_service(
        App::new()
            .wrap(actix_web::middleware::from_fn(super::middleware))
            .route(
                "/boom",
                web::get().to(|| async { panic!("boom") as HttpResponse }),
            ),
    )
    .await;
    // The server renders a middleware's error through its `error_response`, as done here.
    let err = test::try_call_service(&app, test::TestRequest::get().uri("/boom").to_request())
        .await
        .err()
        .expect("the panic becomes an error");
    let res = err.error_response();
    assert_eq!(res.status().as_u16(), 500);
    let bytes = actix_web::body::to_bytes(res.into_body()).await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["error"]["code"], "INTERNAL_ERROR");
    assert_eq!(
        body["error"]["message"], "internal error",
        "no internals in the message"
    );
}
