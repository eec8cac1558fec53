//! Every change yields exactly one audit entry, of the right action, with no PHI in it.

use super::recording;
use crate::audit::{AuditAction, EntityType};
use crate::catalogue::{
    NewProduct, ProductPatch, RawProduct, RawProductPatch, RawStockAdjustment, StockAdjustment,
};
use crate::people::{
    NewPatient, NewUser, RawPatient, RawTerritory, RawUser, RawUserPatch, Territory, UserPatch,
};
use crate::ports::Committed;
use crate::usecases::testkit::*;

fn only_entry(
    commits: &std::sync::Mutex<Vec<crate::ports::Change>>,
) -> (AuditAction, EntityType, String) {
    let commits = commits.lock().unwrap();
    assert_eq!(commits.len(), 1, "one commit");
    assert_eq!(commits[0].audit.len(), 1, "exactly one audit entry");
    let a = &commits[0].audit[0];
    (a.action, a.entity_type, serde_json::to_string(a).unwrap())
}

#[test]
fn catalogue_changes() {
    let mut kit = Kit::new();
    kit.products
        .expect_get()
        .returning(|id| Ok(Some(product(id.get(), "9.99", 5))));
    let commits = recording(&mut kit);
    let ordo = kit.build();
    let patch = ProductPatch::parse(RawProductPatch {
        name: Some("Gloves".into()),
        ..Default::default()
    })
    .unwrap();
    ordo.update_product(&admin(), product(1, "1.00", 1).id, patch)
        .unwrap();
    assert_eq!(only_entry(&commits).0, AuditAction::ProductUpdated);
    commits.lock().unwrap().clear();
    let adj = StockAdjustment::parse(RawStockAdjustment {
        delta: Some(4),
        reason: Some("delivery".into()),
    })
    .unwrap();
    ordo.adjust_stock(&admin(), product(1, "1.00", 1).id, adj)
        .unwrap();
    let (action, entity, _) = only_entry(&commits);
    assert_eq!(
        (action, entity),
        (AuditAction::StockAdjusted, EntityType::Product)
    );
}

#[test]
fn a_new_product_is_audited_once() {
    let mut kit = Kit::new();
    kit.products
        .expect_get()
        .returning(|id| Ok(Some(product(id.get(), "9.99", 5))));
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    kit.uow.expect_commit().returning(move |c| {
        sink.lock().unwrap().push(c);
        Ok(Committed {
            product_id: Some(crate::ids::ProductId::new(3).unwrap()),
            last_event: None,
        })
    });
    let ordo = kit.build();
    let new = NewProduct::parse(RawProduct {
        sku: Some("gl-1".into()),
        name: Some("Gloves".into()),
        price: Some(crate::money::Money::parse("4.50").unwrap()),
        stock_quantity: Some(10),
        low_stock_threshold: None,
    })
    .unwrap();
    assert_eq!(ordo.create_product(&admin(), new).unwrap().id.get(), 3);
    assert_eq!(only_entry(&seen).0, AuditAction::ProductCreated);
}

#[test]
fn a_new_patient_is_audited_without_phi() {
    let mut kit = Kit::new();
    kit.territories
        .expect_get()
        .returning(|id| Ok(Some(territory(id.as_str()))));
    let commits = recording(&mut kit);
    let ordo = kit.build();
    let new = NewPatient::parse(RawPatient {
        code: Some("CUST007".into()),
        name: Some("James Bond".into()),
        contact_number: Some("+25470007007".into()),
        email: Some("jb@example.com".into()),
        insurance_number: Some("INS123456789".into()),
        territory_id: None,
    })
    .unwrap();
    ordo.create_patient(&staff(&["north"]), None, new).unwrap();
    let (action, _, json) = only_entry(&commits);
    assert_eq!(action, AuditAction::PatientCreated);
    for phi in ["James", "25470007007", "jb@example.com", "INS123456789"] {
        assert!(!json.contains(phi), "{phi} in {json}");
    }
}

#[test]
fn users_and_territories() {
    let mut kit = Kit::new();
    kit.territories
        .expect_get()
        .returning(|id| Ok(Some(territory(id.as_str()))));
    kit.hasher
        .expect_hash()
        .returning(|_| Ok(crate::people::PasswordHash::new("$argon2id$fake".into())));
    let commits = recording(&mut kit);
    kit.users.expect_get().returning(|_| {
        Ok(Some(crate::people::User {
            id: uid(9),
            email: crate::contact::Email::parse("s@example.com").unwrap(),
            role: crate::auth::Role::Staff,
            territories: vec![t("north")],
            patient_id: None,
            phone: None,
            active: true,
            created_at: now(),
        }))
    });
    let ordo = kit.build();
    let new = NewUser::parse(RawUser {
        email: Some("s@example.com".into()),
        password: Some("correct horse battery".into()),
        role: Some("staff".into()),
        territories: Some(vec!["north".into()]),
        ..Default::default()
    })
    .unwrap();
    ordo.create_user(Some(&admin()), new).unwrap();
    let (action, _, json) = only_entry(&commits);
    assert_eq!(action, AuditAction::UserCreated);
    assert!(
        !json.contains("correct horse") && !json.contains("argon2"),
        "{json}"
    );
    commits.lock().unwrap().clear();

    let patch = UserPatch::parse(RawUserPatch {
        active: Some(false),
        ..Default::default()
    })
    .unwrap();
    assert!(!ordo.update_user(&admin(), uid(9), patch).unwrap().active);
    assert_eq!(only_entry(&commits).0, AuditAction::UserUpdated);
    commits.lock().unwrap().clear();

    let t = Territory::parse(RawTerritory {
        territory_id: Some("east".into()),
        name: Some("East".into()),
    })
    .unwrap();
    ordo.create_territory(Some(&admin()), t).unwrap();
    assert_eq!(only_entry(&commits).0, AuditAction::TerritoryCreated);
}

#[test]
fn only_admins_administer() {
    let mut kit = Kit::new();
    let commits = recording(&mut kit);
    let ordo = kit.build();
    let t = Territory::parse(RawTerritory {
        territory_id: Some("east".into()),
        name: Some("East".into()),
    })
    .unwrap();
    assert!(matches!(
        ordo.create_territory(Some(&staff(&["north"])), t),
        Err(crate::Error::PermissionDenied(_))
    ));
    assert!(commits.lock().unwrap().is_empty());
}
