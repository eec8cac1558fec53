//! Every (from, to, role) triple through `change_status`: allowed or refused with the right
//! error, with the table's stock effect, exactly one audit entry, and nothing written on refusal.

use super::recording;
use crate::auth::Actor;
use crate::error::Error;
use crate::order::OrderStatus;
use crate::order::status::{self, StockEffect};
use crate::stock::StockOpKind;
use crate::usecases::StatusChange;
use crate::usecases::testkit::*;

#[derive(Debug, Clone, Copy)]
enum Who {
    Admin,
    StaffHere,
    StaffElsewhere,
    OwnCustomer,
    OtherCustomer,
}

fn actor(who: Who) -> Actor {
    match who {
        Who::Admin => admin(),
        Who::StaffHere => staff(&["north"]),
        Who::StaffElsewhere => staff(&["south"]),
        Who::OwnCustomer => customer(pat(1)),
        Who::OtherCustomer => customer(pat(2)),
    }
}

fn expected(who: Who, from: OrderStatus, to: OrderStatus) -> Result<StockEffect, Error> {
    let t = status::transition(from, to);
    match who {
        Who::StaffElsewhere => Err(Error::TerritoryMismatch(Some(crate::usecases::testkit::t(
            "north",
        )))),
        Who::OtherCustomer => Err(Error::OrderNotFound),
        Who::OwnCustomer => match (from, to) {
            (OrderStatus::PendingVerification, OrderStatus::Cancelled) => Ok(StockEffect::Release),
            _ => Err(Error::PermissionDenied(
                "a customer may only cancel their own order while it is pending verification"
                    .into(),
            )),
        },
        Who::Admin | Who::StaffHere => t.map(|t| t.stock).ok_or(Error::InvalidStatus {
            from,
            to,
            allowed: status::allowed_from(from),
        }),
    }
}

#[test]
fn every_from_to_role_triple() {
    let mut checked = 0;
    for from in OrderStatus::ALL {
        for to in OrderStatus::ALL {
            for who in [
                Who::Admin,
                Who::StaffHere,
                Who::StaffElsewhere,
                Who::OwnCustomer,
                Who::OtherCustomer,
            ] {
                let mut kit = Kit::new();
                kit.orders
                    .expect_get()
                    .returning(move |id| Ok(Some(order(id, pat(1), "north", from))));
                kit.patients_in("north");
                let commits = recording(&mut kit);
                let ordo = kit.build();

                let got = ordo.change_status(
                    &actor(who),
                    oid(1),
                    StatusChange {
                        to,
                        notes: None,
                        verification_data: None,
                        if_match: None,
                    },
                );
                let commits = commits.lock().unwrap();
                match (expected(who, from, to), got) {
                    (Ok(effect), Ok(done)) => {
                        assert_eq!(done.order.status, to);
                        assert_eq!(done.order.version, 4, "version bumps by one");
                        assert_eq!(commits.len(), 1);
                        let change = &commits[0];
                        assert_eq!(change.audit.len(), 1, "exactly one audit entry");
                        assert_eq!(change.audit[0].id, done.audit_id);
                        assert_eq!(change.audit[0].from_status, Some(from));
                        assert_eq!(change.audit[0].to_status, Some(to));
                        let kinds: Vec<_> = change.stock.iter().map(|op| op.kind).collect();
                        let want = match effect {
                            StockEffect::None => vec![],
                            StockEffect::Reserve => vec![StockOpKind::Reserve],
                            StockEffect::Release => vec![StockOpKind::Release],
                            StockEffect::Consume => vec![StockOpKind::Consume],
                        };
                        assert_eq!(kinds, want, "{from} -> {to} by {who:?}");
                        assert!(change.events.iter().any(|e| matches!(
                            e.payload,
                            crate::event::EventPayload::StatusChange { status, previous_status, .. }
                                if status == to && previous_status == from
                        )));
                    }
                    (Err(want), Err(got)) => {
                        assert_eq!(got, want, "{from} -> {to} by {who:?}");
                        assert!(commits.is_empty(), "a refused change wrote something");
                    }
                    (want, got) => {
                        panic!("{from} -> {to} by {who:?}: wanted {want:?}, got {got:?}")
                    }
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 7 * 7 * 5);
}

#[test]
fn a_lost_race_is_rechecked_against_the_new_status() {
    let mut kit = Kit::new();
    let mut reads = 0;
    kit.orders.expect_get().returning(move |id| {
        reads += 1;
        // The first read sees pending; by the second, a racing request has verified it.
        let s = if reads == 1 {
            OrderStatus::PendingVerification
        } else {
            OrderStatus::Verified
        };
        Ok(Some(order(id, pat(1), "north", s)))
    });
    kit.patients_in("north");
    kit.uow
        .expect_commit()
        .times(1)
        .returning(|_| Err(crate::ports::CommitError::StaleVersion));
    let ordo = kit.build();
    let got = ordo.change_status(
        &staff(&["north"]),
        oid(1),
        StatusChange {
            to: OrderStatus::Verified,
            notes: None,
            verification_data: None,
            if_match: None,
        },
    );
    assert!(
        matches!(
            got,
            Err(Error::InvalidStatus {
                from: OrderStatus::Verified,
                to: OrderStatus::Verified,
                ..
            })
        ),
        "{got:?}"
    );
}

#[test]
fn if_match_on_another_version_is_a_conflict_and_writes_nothing() {
    let mut kit = Kit::new();
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
    let got = ordo.change_status(
        &admin(),
        oid(1),
        StatusChange {
            to: OrderStatus::Verified,
            notes: None,
            verification_data: None,
            if_match: Some(2),
        },
    );
    assert!(matches!(got, Err(Error::Conflict(_))));
    assert!(commits.lock().unwrap().is_empty());
}

#[test]
fn cancel_of_a_non_pending_order_is_an_invalid_status() {
    let mut kit = Kit::new();
    kit.orders
        .expect_get()
        .returning(|id| Ok(Some(order(id, pat(1), "north", OrderStatus::Shipped))));
    let commits = recording(&mut kit);
    let ordo = kit.build();
    let got = ordo.cancel_order(&customer(pat(1)), oid(1));
    assert_eq!(
        got,
        Err(Error::InvalidStatus {
            from: OrderStatus::Shipped,
            to: OrderStatus::Cancelled,
            allowed: vec![OrderStatus::Delivered]
        })
    );
    assert!(commits.lock().unwrap().is_empty());
}

#[test]
fn audit_notes_are_redacted() {
    let mut kit = Kit::new();
    kit.orders.expect_get().returning(|id| {
        Ok(Some(order(
            id,
            pat(1),
            "north",
            OrderStatus::PendingVerification,
        )))
    });
    kit.patients_in("north");
    let commits = recording(&mut kit);
    let ordo = kit.build();
    let notes =
        crate::order::values::LongText::parse("called +254700000001 about policy INS99887766")
            .unwrap();
    ordo.change_status(
        &admin(),
        oid(1),
        StatusChange {
            to: OrderStatus::Rejected,
            notes: Some(notes),
            verification_data: None,
            if_match: None,
        },
    )
    .unwrap();
    let stored = commits.lock().unwrap()[0].audit[0].notes.clone().unwrap();
    assert!(
        !stored.contains("254700000001") && !stored.contains("99887766"),
        "{stored}"
    );
}
