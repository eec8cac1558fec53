//! A small world to test against: a territory, an admin and a staff member, a patient, products.

use crate::harness::{TestDb, ordo};
use ordo_domain::auth::Actor;
use ordo_domain::catalogue::{NewProduct, RawProduct};
use ordo_domain::ids::{OrderId, PatientId, ProductId, TerritoryId};
use ordo_domain::order::placement::{OrderRequest, RawOrder, RawOrderLine};
use ordo_domain::people::{NewPatient, NewUser, RawPatient, RawTerritory, RawUser, Territory};
use ordo_domain::usecases::{Ordo, PlaceOrder};

pub struct World {
    pub ordo: Ordo,
    pub admin: Actor,
    pub staff: Actor,
    pub patient: PatientId,
    pub products: Vec<ProductId>,
}

pub fn north() -> TerritoryId {
    TerritoryId::parse("north").unwrap()
}

fn actor_of(user: &ordo_domain::people::User) -> Actor {
    Actor::new(
        user.id,
        user.role,
        user.territories.iter().cloned(),
        user.patient_id,
    )
}

pub fn user(o: &Ordo, email: &str, role: &str, territories: &[&str]) -> Actor {
    let new = NewUser::parse(RawUser {
        email: Some(email.into()),
        password: Some("correct horse battery".into()),
        role: Some(role.into()),
        territories: Some(territories.iter().map(|t| (*t).to_owned()).collect()),
        ..RawUser::default()
    })
    .unwrap();
    actor_of(&o.create_user(None, new).unwrap())
}

/// A world whose products have the given units on hand.
pub fn world(db: &TestDb, stock: &[i64]) -> World {
    let o = ordo(db);
    for (id, name) in [("north", "North"), ("south", "South")] {
        let t = Territory::parse(RawTerritory {
            territory_id: Some(id.into()),
            name: Some(name.into()),
        })
        .unwrap();
        o.create_territory(None, t).unwrap();
    }
    let admin = user(&o, "admin@example.com", "admin", &[]);
    let staff = user(&o, "staff@example.com", "staff", &["north"]);
    let patient = o
        .create_patient(
            &admin,
            None,
            NewPatient::parse(RawPatient {
                code: Some("CUST007".into()),
                name: Some("James Bond".into()),
                contact_number: Some("+25470007007".into()),
                email: Some("jb@example.com".into()),
                insurance_number: Some("INS123456789".into()),
                territory_id: Some("north".into()),
            })
            .unwrap(),
        )
        .unwrap()
        .id;
    let products = stock
        .iter()
        .enumerate()
        .map(|(i, &units)| {
            let new = NewProduct::parse(RawProduct {
                sku: Some(format!("SKU-{i}")),
                name: Some(format!("Product {i}")),
                price: Some(ordo_domain::money::Money::parse("12.99").unwrap()),
                stock_quantity: Some(units),
                low_stock_threshold: Some(2),
            })
            .unwrap();
            o.create_product(&admin, new).unwrap().id
        })
        .collect();
    World {
        ordo: o,
        admin,
        staff,
        patient,
        products,
    }
}

impl World {
    pub fn request(&self, lines: &[(ProductId, i64)]) -> PlaceOrder {
        let raw = RawOrder {
            patient_id: Some(self.patient.to_string()),
            items: Some(
                lines
                    .iter()
                    .map(|(p, q)| RawOrderLine {
                        product_id: Some(p.get()),
                        quantity: Some(*q),
                    })
                    .collect(),
            ),
            ..RawOrder::default()
        };
        PlaceOrder {
            request: OrderRequest::parse(raw).unwrap(),
            territory_header: None,
            idempotency: None,
        }
    }

    pub fn place(&self, lines: &[(ProductId, i64)]) -> OrderId {
        self.ordo
            .place_order(&self.staff, self.request(lines))
            .unwrap()
            .order()
            .id
    }

    pub fn stock(&self, p: ProductId) -> (i64, i64) {
        let product = self.ordo.get_product(p).unwrap();
        (product.stock.on_hand(), product.stock.reserved())
    }
}
