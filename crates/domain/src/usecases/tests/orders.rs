//! Placing and reading orders over mock ports.

use super::recording;
use crate::error::Error;
use crate::ids::ProductId;
use crate::money::{Money, Quantity};
use crate::notification::{Channel, NotifyEvent, Recipient};
use crate::order::placement::{OrderRequest, RawOrder, RawOrderLine};
use crate::order::query::{OrderFilter, Page};
use crate::order::{OrderStatus, Priority};
use crate::ports::{CommitError, IdempotencyRecord, Listing, PatientContext};
use crate::stock::{Shortfall, StockOpKind};
use crate::usecases::testkit::*;
use crate::usecases::{IdempotencyKey, PlaceOrder, PlaceOutcome};

fn request(patient: Option<&str>, lines: &[(i64, i64)]) -> OrderRequest {
    OrderRequest::parse(RawOrder {
        patient_id: patient.map(str::to_owned),
        items: Some(
            lines
                .iter()
                .map(|&(p, q)| RawOrderLine {
                    product_id: Some(p),
                    quantity: Some(q),
                })
                .collect(),
        ),
        ..RawOrder::default()
    })
    .unwrap()
}

fn place(req: OrderRequest) -> PlaceOrder {
    PlaceOrder {
        request: req,
        territory_header: None,
        idempotency: None,
    }
}

/// A kit with patient 1 in `north`, products 1 (12.99, 10 on hand) and 2 (5.00, 3 on hand).
fn catalogue_kit() -> Kit {
    let mut kit = Kit::new();
    kit.placing(
        |id| Some(context(patient(id, "north"))),
        vec![product(1, "12.99", 10), product(2, "5.00", 3)],
    );
    kit
}

#[test]
fn placement_prices_from_the_catalogue_and_commits_once() {
    let mut kit = catalogue_kit();
    let commits = recording(&mut kit);
    let ordo = kit.build();
    let req = request(Some(&pat(1).to_string()), &[(1, 2), (2, 1), (1, 1)]);
    let out = ordo.place_order(&staff(&["north"]), place(req)).unwrap();
    let PlaceOutcome::Created(order) = out else {
        panic!("not created")
    };
    assert_eq!(order.status, OrderStatus::PendingVerification);
    assert_eq!(order.items.len(), 2, "duplicate lines merged");
    assert_eq!(order.items[0].quantity, Quantity::new(3).unwrap());
    assert_eq!(order.total_amount, Money::parse("43.97").unwrap());
    assert_eq!(order.territory_id, t("north"));
    assert_eq!(order.tracking_id.as_str().len(), 14);

    let commits = commits.lock().unwrap();
    assert_eq!(commits.len(), 1);
    let c = &commits[0];
    assert_eq!(c.audit.len(), 1, "exactly one audit entry");
    assert!(c.stock.iter().all(|op| op.kind == StockOpKind::Reserve));
    assert_eq!(c.stock.len(), 2);
    // The seed's headline: an SMS to the patient, carrying the tracking id and nothing else.
    let sms = c
        .notifications
        .iter()
        .find(|n| n.channel == Channel::Sms)
        .unwrap();
    assert_eq!(sms.recipient, Recipient::Patient(pat(1)));
    assert!(sms.message.contains(order.tracking_id.as_str()));
    assert!(!sms.message.contains("James") && !sms.message.contains("INS123"));
    assert!(
        c.events
            .iter()
            .any(|e| matches!(e.payload, crate::event::EventPayload::OrderCreated { .. }))
    );
    let audit_json = serde_json::to_string(&c.audit[0]).unwrap();
    assert!(!audit_json.contains("INS123456789") && !audit_json.contains("James"));
}

/// The channels of the notifications a placement for a patient with an e-mail address writes.
fn channels_of_placement(settings: crate::usecases::Settings) -> Vec<Channel> {
    let mut kit = Kit::new();
    kit.placing(
        |id| {
            let mut p = patient(id, "north");
            p.email = Some(crate::phi::Phi::new(
                crate::contact::Email::parse("bond@example.org").unwrap(),
            ));
            Some(context(p))
        },
        vec![product(1, "12.99", 10)],
    );
    let commits = recording(&mut kit);
    let ordo = kit.build_with(settings);
    let req = request(Some(&pat(1).to_string()), &[(1, 1)]);
    ordo.place_order(&staff(&["north"]), place(req)).unwrap();
    let commits = commits.lock().unwrap();
    commits[0].notifications.iter().map(|n| n.channel).collect()
}

#[test]
fn a_patient_with_an_address_is_emailed_only_when_email_is_configured() {
    let on = channels_of_placement(crate::usecases::Settings::default());
    assert!(
        on.contains(&Channel::Email) && on.contains(&Channel::Sms),
        "{on:?}"
    );
    let off = channels_of_placement(crate::usecases::Settings {
        email_enabled: false,
        ..Default::default()
    });
    assert!(!off.contains(&Channel::Email), "{off:?}");
    assert!(off.contains(&Channel::Sms), "{off:?}");
}

#[test]
fn placement_follows_the_preferences_read_with_the_patient() {
    let mut kit = Kit::new();
    kit.placing(
        |id| {
            let mut prefs = crate::notification::Preferences::default();
            prefs.set(Channel::Sms, NotifyEvent::OrderCreated, false);
            Some(PatientContext {
                preferences: Some(prefs),
                ..context(patient(id, "north"))
            })
        },
        vec![product(1, "12.99", 10)],
    );
    // One read for the placement: the patients, products, territories and preferences mocks
    // have no expectations.
    let commits = recording(&mut kit);
    let ordo = kit.build();
    let req = request(Some(&pat(1).to_string()), &[(1, 1)]);
    ordo.place_order(&staff(&["north"]), place(req)).unwrap();
    let channels: Vec<_> = commits.lock().unwrap()[0]
        .notifications
        .iter()
        .map(|n| n.channel)
        .collect();
    assert!(!channels.contains(&Channel::Sms), "{channels:?}");
    assert!(channels.contains(&Channel::InApp), "{channels:?}");
}

#[test]
fn placement_in_an_inactive_or_missing_territory_is_refused() {
    for found in [
        Some(crate::people::Territory {
            active: false,
            ..territory("north")
        }),
        None,
    ] {
        let mut kit = Kit::new();
        let row = found.clone();
        kit.placing(
            move |id| {
                Some(PatientContext {
                    territory: row.clone(),
                    ..context(patient(id, "north"))
                })
            },
            vec![product(1, "12.99", 10)],
        );
        let ordo = kit.build();
        let req = request(Some(&pat(1).to_string()), &[(1, 1)]);
        let err = ordo
            .place_order(&staff(&["north"]), place(req))
            .unwrap_err();
        let Error::Validation(fields) = err else {
            panic!("{err:?}")
        };
        let why = if found.is_some() {
            "territory is not active"
        } else {
            "unknown territory"
        };
        assert_eq!(fields.get("territory_id"), Some(why), "{fields:?}");
    }
}

#[test]
fn a_placement_for_an_unknown_patient_is_refused_and_writes_nothing() {
    let mut kit = Kit::new();
    kit.placing(|_| None, vec![product(1, "12.99", 10)]);
    // The unit of work has no expectation: a commit would fail the test.
    let ordo = kit.build();
    let req = request(Some(&pat(9).to_string()), &[(1, 1)]);
    let err = ordo.place_order(&admin(), place(req)).unwrap_err();
    let Error::Validation(fields) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        fields.get("patient_id"),
        Some("unknown patient"),
        "{fields:?}"
    );
}

#[test]
fn a_shortage_names_every_short_line_and_nothing_else_is_written() {
    let mut kit = catalogue_kit();
    kit.uow.expect_commit().times(1).returning(|c| {
        let short = c
            .stock
            .iter()
            .map(|op| Shortfall {
                product_id: op.product_id,
                requested: op.quantity,
                available: 1,
            })
            .collect();
        Err(CommitError::Shortage(short))
    });
    let ordo = kit.build();
    let err = ordo
        .place_order(
            &admin(),
            place(request(Some(&pat(1).to_string()), &[(1, 50), (2, 9)])),
        )
        .unwrap_err();
    let Error::InsufficientStock(report) = err else {
        panic!("{err:?}")
    };
    assert_eq!(report.len(), 2);
    assert_eq!(report[0].product_name, "Product 1");
    assert_eq!((report[0].requested, report[0].available), (50, 1));
    assert_eq!(report[1].product_id, ProductId::new(2).unwrap());
}

#[test]
fn unknown_products_are_field_errors_on_their_line() {
    let mut kit = catalogue_kit();
    let commits = recording(&mut kit);
    let ordo = kit.build();
    let err = ordo
        .place_order(
            &admin(),
            place(request(Some(&pat(1).to_string()), &[(1, 1), (99, 1)])),
        )
        .unwrap_err();
    let Error::Validation(fields) = err else {
        panic!("{err:?}")
    };
    assert!(fields.get("items[1].product_id").is_some());
    assert!(commits.lock().unwrap().is_empty());
}

#[test]
fn staff_cannot_place_for_a_patient_of_another_territory() {
    let mut kit = catalogue_kit();
    let commits = recording(&mut kit);
    let ordo = kit.build();
    let err = ordo
        .place_order(
            &staff(&["south"]),
            place(request(Some(&pat(1).to_string()), &[(1, 1)])),
        )
        .unwrap_err();
    assert!(matches!(err, Error::TerritoryMismatch(_)), "{err:?}");
    assert!(commits.lock().unwrap().is_empty());
}

#[test]
fn a_customer_orders_for_their_own_patient_only() {
    let mut kit = catalogue_kit();
    let commits = recording(&mut kit);
    let ordo = kit.build();
    let err = ordo
        .place_order(
            &customer(pat(1)),
            place(request(Some(&pat(2).to_string()), &[(1, 1)])),
        )
        .unwrap_err();
    assert!(matches!(err, Error::PermissionDenied(_)), "{err:?}");
    let ok = ordo
        .place_order(&customer(pat(1)), place(request(None, &[(1, 1)])))
        .unwrap();
    assert_eq!(ok.order().patient_id, pat(1));
    assert_eq!(commits.lock().unwrap().len(), 1);
}

#[test]
fn an_urgent_order_alerts_the_territorys_staff_in_app() {
    let mut kit = catalogue_kit();
    kit.users
        .expect_in_territory()
        .returning(|_, _| Ok(vec![uid(20), uid(21)]));
    let commits = recording(&mut kit);
    let ordo = kit.build();
    let mut req = request(Some(&pat(1).to_string()), &[(1, 1)]);
    req.priority = Priority::Emergency;
    ordo.place_order(&admin(), place(req)).unwrap();
    let c = &commits.lock().unwrap()[0];
    let staff_alerts: Vec<_> = c
        .notifications
        .iter()
        .filter(|n| matches!(n.recipient, Recipient::User(_)))
        .collect();
    assert_eq!(staff_alerts.len(), 2);
    assert!(staff_alerts.iter().all(|n| n.channel == Channel::InApp));
}

#[test]
fn a_retry_with_the_same_key_replays_and_another_body_conflicts() {
    let key = IdempotencyKey::new("abc-123", b"{\"body\":1}").unwrap();
    assert_eq!(
        key,
        IdempotencyKey::new("abc-123", b"{\"body\":1}").unwrap()
    );
    let record = IdempotencyRecord {
        key: "abc-123".into(),
        user_id: uid(1),
        fingerprint: key.fingerprint().to_owned(),
        order_id: oid(9),
        expires_at: now().plus_seconds(60),
    };
    let mut kit = Kit::new();
    kit.idempotency
        .expect_find()
        .returning(move |_, _, _| Ok(Some(record.clone())));
    kit.orders.expect_get().returning(|id| {
        Ok(Some(order(
            id,
            pat(1),
            "north",
            OrderStatus::PendingVerification,
        )))
    });
    let commits = recording(&mut kit);
    let ordo = kit.build();
    let again = PlaceOrder {
        idempotency: Some(key),
        ..place(request(None, &[(1, 1)]))
    };
    let out = ordo.place_order(&admin(), again).unwrap();
    assert!(matches!(out, PlaceOutcome::Replayed(ref o) if o.id == oid(9)));

    let other = IdempotencyKey::new("abc-123", b"{\"body\":2}").unwrap();
    let err = ordo
        .place_order(
            &admin(),
            PlaceOrder {
                idempotency: Some(other),
                ..place(request(None, &[(1, 1)]))
            },
        )
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)));
    assert!(
        commits.lock().unwrap().is_empty(),
        "neither request created anything"
    );
}

#[test]
fn a_customer_cannot_see_another_patients_order() {
    let mut kit = Kit::new();
    kit.orders
        .expect_get()
        .returning(|id| Ok(Some(order(id, pat(1), "north", OrderStatus::Verified))));
    let ordo = kit.build();
    assert_eq!(
        ordo.get_order(&customer(pat(2)), oid(1)),
        Err(Error::OrderNotFound)
    );
    assert!(ordo.get_order(&customer(pat(1)), oid(1)).is_ok());
    assert!(matches!(
        ordo.get_order(&staff(&["south"]), oid(1)),
        Err(Error::TerritoryMismatch(_))
    ));
}

#[test]
fn listings_are_scoped_by_the_domain() {
    let mut kit = Kit::new();
    kit.orders.expect_list().returning(|q| {
        // Echo the scope back through the total so the test can see what the store was asked.
        let total = match (&q.scope, q.patient) {
            (crate::auth::TerritoryScope::All, Some(_)) => 1,
            (crate::auth::TerritoryScope::Only(s), None) if s.len() == 1 => 2,
            (crate::auth::TerritoryScope::All, None) => 3,
            _ => 99,
        };
        Ok(Listing {
            rows: vec![],
            total,
        })
    });
    let ordo = kit.build();
    let list = |a, h: Option<&str>| {
        let h = h.map(t);
        ordo.list_orders(&a, h.as_ref(), OrderFilter::default(), Page::default())
            .map(|l| l.total)
    };
    assert_eq!(list(customer(pat(1)), None), Ok(1));
    assert_eq!(list(staff(&["north", "east"]), Some("east")), Ok(2));
    assert_eq!(list(admin(), None), Ok(3));
    assert!(matches!(
        list(staff(&["north"]), Some("south")),
        Err(Error::TerritoryMismatch(_))
    ));
    let filtered = OrderFilter {
        territory_id: Some(t("south")),
        ..OrderFilter::default()
    };
    assert!(matches!(
        ordo.list_orders(&staff(&["north"]), None, filtered, Page::default()),
        Err(Error::TerritoryMismatch(_))
    ));
}
