//! Mock ports and fixtures for the use-case tests. Every mock starts without expectations, so a
//! port a test did not expect to be used fails the test when it is.

use super::{Ordo, Ports, Settings};
use crate::auth::{Actor, Role};
use crate::catalogue::{Product, Sku};
use crate::contact::PhoneNumber;
use crate::ids::{OrderId, PatientCode, PatientId, ProductId, TerritoryId, TrackingId, UserId};
use crate::money::{Money, Quantity};
use crate::order::{Order, OrderLine, OrderStatus, Priority};
use crate::people::{Patient, Territory};
use crate::phi::Phi;
use crate::ports::*;
use crate::stock::StockLevel;
use crate::time::Timestamp;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use uuid::Uuid;

pub(crate) struct Kit {
    pub orders: MockOrderRepository,
    pub products: MockProductRepository,
    pub patients: MockPatientRepository,
    pub placement: MockPlacementReads,
    pub users: MockUserRepository,
    pub territories: MockTerritoryRepository,
    pub audit: MockAuditLog,
    pub events: MockEventLog,
    pub notifications: MockNotificationStore,
    pub idempotency: MockIdempotencyStore,
    pub revoked: MockRevokedTokens,
    pub uow: MockUnitOfWork,
    pub hasher: MockPasswordHasher,
    pub tokens: MockTokenCodec,
}

pub(crate) fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-23T10:00:00Z").unwrap()
}

pub(crate) fn t(s: &str) -> TerritoryId {
    TerritoryId::parse(s).unwrap()
}

pub(crate) fn uid(n: u128) -> UserId {
    UserId::from_uuid(Uuid::from_u128(n))
}

pub(crate) fn pat(n: u128) -> PatientId {
    PatientId::from_uuid(Uuid::from_u128(0x1000 + n))
}

pub(crate) fn oid(n: u128) -> OrderId {
    OrderId::from_uuid(Uuid::from_u128(0x2000 + n))
}

pub(crate) fn admin() -> Actor {
    Actor::new(uid(1), Role::Admin, [], None)
}

pub(crate) fn staff(territories: &[&str]) -> Actor {
    Actor::new(uid(2), Role::Staff, territories.iter().map(|s| t(s)), None)
}

pub(crate) fn customer(patient: PatientId) -> Actor {
    Actor::new(uid(3), Role::Customer, [], Some(patient))
}

pub(crate) fn patient(id: PatientId, territory: &str) -> Patient {
    Patient {
        id,
        code: PatientCode::parse("CUST007").unwrap(),
        name: Phi::new("James Bond".into()),
        contact_number: Phi::new(PhoneNumber::parse("+25470007007").unwrap()),
        email: None,
        insurance_number: Some(Phi::new("INS123456789".into())),
        territory_id: t(territory),
        created_at: now(),
    }
}

/// The patient with their (active) territory and no stored preferences.
pub(crate) fn context(patient: Patient) -> PatientContext {
    PatientContext {
        territory: Some(territory(patient.territory_id.as_str())),
        patient,
        preferences: None,
    }
}

pub(crate) fn product(id: i64, price: &str, on_hand: i64) -> Product {
    Product {
        id: ProductId::new(id).unwrap(),
        sku: Sku::parse(&format!("SKU-{id}")).unwrap(),
        name: format!("Product {id}"),
        price: Money::parse(price).unwrap(),
        stock: StockLevel::new(on_hand, 0).unwrap(),
        low_stock_threshold: 2,
        active: true,
        created_at: now(),
        updated_at: now(),
    }
}

pub(crate) fn order(
    id: OrderId,
    patient: PatientId,
    territory: &str,
    status: OrderStatus,
) -> Order {
    let line = OrderLine {
        product_id: ProductId::new(1).unwrap(),
        product_name: "Product 1".into(),
        quantity: Quantity::new(2).unwrap(),
        unit_price: Money::parse("12.99").unwrap(),
        subtotal: Money::parse("25.98").unwrap(),
    };
    Order {
        id,
        tracking_id: TrackingId::from_random(7),
        patient_id: patient,
        territory_id: t(territory),
        created_by: uid(2),
        provider_id: None,
        physician_name: None,
        service_type: None,
        priority: Priority::Normal,
        insurance_info: None,
        items: vec![line],
        shipping_address: None,
        total_amount: Money::parse("25.98").unwrap(),
        status,
        notes: None,
        verification_data: None,
        version: 3,
        created_at: now(),
        updated_at: now(),
    }
}

pub(crate) fn territory(id: &str) -> Territory {
    Territory {
        id: t(id),
        name: id.to_uppercase(),
        active: true,
    }
}

struct FixedClock;
impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        now()
    }
}

/// Sequential UUIDs, so tests can predict ids.
struct SeqIds(AtomicU64);
impl IdGenerator for SeqIds {
    fn uuid(&self) -> Uuid {
        Uuid::from_u128(0xA000_0000 + u128::from(self.0.fetch_add(1, Ordering::Relaxed)))
    }
    fn random(&self) -> u64 {
        0x2A
    }
}

impl Kit {
    pub fn new() -> Self {
        Self {
            orders: MockOrderRepository::new(),
            products: MockProductRepository::new(),
            patients: MockPatientRepository::new(),
            placement: MockPlacementReads::new(),
            users: MockUserRepository::new(),
            territories: MockTerritoryRepository::new(),
            audit: MockAuditLog::new(),
            events: MockEventLog::new(),
            notifications: MockNotificationStore::new(),
            idempotency: MockIdempotencyStore::new(),
            revoked: MockRevokedTokens::new(),
            uow: MockUnitOfWork::new(),
            hasher: MockPasswordHasher::new(),
            tokens: MockTokenCodec::new(),
        }
    }

    /// Every patient is in `territory` (active), with no stored preferences.
    pub fn patients_in(&mut self, territory: &'static str) -> &mut Self {
        self.patients
            .expect_with_context()
            .returning(move |id| Ok(Some(context(patient(id, territory)))));
        self
    }

    /// A placement reads the patient `context_of` gives, and those of `catalogue` its lines
    /// name (none when there is no such patient, as the stores answer).
    pub fn placing(
        &mut self,
        context_of: impl Fn(PatientId) -> Option<PatientContext> + Send + 'static,
        catalogue: Vec<Product>,
    ) -> &mut Self {
        self.placement
            .expect_placement_context()
            .returning(move |id, ids| {
                let patient = context_of(id);
                let products = match patient {
                    Some(_) => catalogue
                        .iter()
                        .filter(|p| ids.contains(&p.id))
                        .cloned()
                        .collect(),
                    None => Vec::new(),
                };
                Ok(PlacementContext { patient, products })
            });
        self
    }

    pub fn build(self) -> Ordo {
        self.build_with(Settings::default())
    }

    pub fn build_with(self, settings: Settings) -> Ordo {
        Ordo::new(
            Ports {
                orders: Arc::new(self.orders),
                products: Arc::new(self.products),
                patients: Arc::new(self.patients),
                placement: Arc::new(self.placement),
                users: Arc::new(self.users),
                territories: Arc::new(self.territories),
                audit: Arc::new(self.audit),
                events: Arc::new(self.events),
                notifications: Arc::new(self.notifications),
                idempotency: Arc::new(self.idempotency),
                revoked: Arc::new(self.revoked),
                uow: Arc::new(self.uow),
                clock: Arc::new(FixedClock),
                ids: Arc::new(SeqIds(AtomicU64::new(0))),
                hasher: Arc::new(self.hasher),
                tokens: Arc::new(self.tokens),
            },
            settings,
        )
    }
}
