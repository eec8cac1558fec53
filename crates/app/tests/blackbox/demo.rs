//! `make run`'s promise: `ordo serve --demo` loads the demo data into an empty database, prints
//! the log-ins, and those log-ins work.

use crate::server::{Server, agent, send};

#[test]
fn serve_demo_prints_log_ins_that_work() {
    let (s, printed) = Server::start_demo();
    let text = printed.join("\n");
    for email in [
        "admin@ordo.demo",
        "staff.north@ordo.demo",
        "patient1@ordo.demo",
    ] {
        assert!(text.contains(email), "{email} not printed: {text}");
    }
    let (status, body) = s.login("staff.north@ordo.demo", "demo-staff-pass");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["user"]["territories"],
        serde_json::json!(["north"])
    );
    let (status, body) = s.login("patient1@ordo.demo", "demo-patient-pass");
    assert_eq!(
        (status, body["data"]["user"]["role"].as_str()),
        (200, Some("customer"))
    );
    let admin = s.login("admin@ordo.demo", "demo-admin-pass").1["data"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, territories) = send(
        agent()
            .get(&s.url("/api/v1/territories"))
            .header("Authorization", &format!("Bearer {admin}"))
            .call(),
    );
    assert_eq!(territories["meta"]["total"], 3);
    let (_, users) = send(
        agent()
            .get(&s.url("/api/v1/users"))
            .header("Authorization", &format!("Bearer {admin}"))
            .call(),
    );
    assert_eq!(
        users["meta"]["total"], 6,
        "an admin, three staff, two customers"
    );
}
