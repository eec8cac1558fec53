//! The demo data set (`ordo demo`, `ordo serve --demo`): three territories, twenty products (some
//! low on stock), thirty patients, an admin, staff for each territory, two customer log-ins, and
//! orders in every status with their history. Loaded through the use cases, like any client's
//! writes, and only into an empty database.

use ordo_domain::auth::Actor;
use ordo_domain::catalogue::{NewProduct, RawProduct};
use ordo_domain::ids::ProductId;
use ordo_domain::money::Money;
use ordo_domain::order::OrderStatus;
use ordo_domain::order::placement::{OrderRequest, RawOrder, RawOrderLine};
use ordo_domain::people::{
    NewPatient, NewUser, RawPatient, RawTerritory, RawUser, Territory, User,
};
use ordo_domain::usecases::{Ordo, PlaceOrder, StatusChange};

/// The demo log-ins: (e-mail, password, what it is).
pub const LOGINS: &[(&str, &str, &str)] = &[
    (
        "admin@ordo.demo",
        "demo-admin-pass",
        "admin, every territory",
    ),
    ("staff.north@ordo.demo", "demo-staff-pass", "staff, north"),
    ("staff.coast@ordo.demo", "demo-staff-pass", "staff, coast"),
    ("staff.west@ordo.demo", "demo-staff-pass", "staff, west"),
    (
        "patient1@ordo.demo",
        "demo-patient-pass",
        "customer, patient DEMO001 (north)",
    ),
    (
        "patient2@ordo.demo",
        "demo-patient-pass",
        "customer, patient DEMO002 (coast)",
    ),
];

const TERRITORIES: &[(&str, &str)] = &[
    ("north", "Nairobi North"),
    ("coast", "Mombasa Coast"),
    ("west", "Kisumu West"),
];

const PRODUCTS: &[(&str, &str, &str, i64)] = &[
    ("GLV-100", "Nitrile gloves (box of 100)", "12.50", 400),
    ("MSK-050", "Surgical masks (box of 50)", "8.75", 300),
    ("SYR-005", "Syringe 5 ml (pack of 100)", "15.00", 250),
    ("BND-010", "Elastic bandage 10 cm", "3.20", 180),
    ("GAU-010", "Sterile gauze 10x10 (pack of 25)", "4.80", 220),
    ("ALC-500", "Alcohol swabs (box of 200)", "6.40", 150),
    ("THR-001", "Digital thermometer", "9.99", 60),
    ("BPM-001", "Blood pressure monitor", "45.00", 25),
    ("OXM-001", "Pulse oximeter", "29.90", 30),
    ("GLU-001", "Glucose meter kit", "34.50", 18),
    ("GLS-050", "Glucose test strips (50)", "18.00", 8),
    ("NEB-001", "Nebulizer machine", "79.00", 6),
    ("OXC-005", "Oxygen concentrator 5 l", "899.00", 3),
    ("WCH-001", "Folding wheelchair", "210.00", 4),
    ("WLK-001", "Walking frame", "55.00", 9),
    ("CTH-014", "Urinary catheter 14 Fr", "2.10", 500),
    ("INS-010", "Insulin pen needles (100)", "11.30", 5),
    ("PAR-500", "Paracetamol 500 mg (100 tablets)", "3.50", 600),
    ("ORS-020", "Oral rehydration salts (20 sachets)", "4.00", 2),
    ("SAN-500", "Hand sanitiser 500 ml", "5.25", 120),
];

const NAMES: &[&str] = &[
    "Amina Otieno",
    "Brian Kamau",
    "Cynthia Wanjiru",
    "David Mwangi",
    "Esther Achieng",
    "Felix Kiprop",
    "Grace Njeri",
    "Hassan Ali",
    "Irene Chebet",
    "James Omondi",
    "Kevin Mutua",
    "Lucy Wambui",
    "Moses Kibet",
    "Naomi Atieno",
    "Oscar Njoroge",
    "Purity Muthoni",
    "Quentin Barasa",
    "Rose Akinyi",
    "Samuel Korir",
    "Tabitha Nyambura",
    "Umar Abdi",
    "Violet Adhiambo",
    "Walter Ouma",
    "Yvonne Jeptoo",
    "Zachary Maina",
    "Agnes Kerubo",
    "Ben Rotich",
    "Carol Nduta",
    "Dennis Odhiambo",
    "Eunice Wairimu",
];

fn user(
    ordo: &Ordo,
    email: &str,
    password: &str,
    role: &str,
    territories: &[&str],
    patient: Option<String>,
) -> Result<User, String> {
    let new = NewUser::parse(RawUser {
        email: Some(email.into()),
        password: Some(password.into()),
        role: Some(role.into()),
        territories: Some(territories.iter().map(|t| (*t).to_owned()).collect()),
        patient_id: patient,
        phone: None,
    })
    .map_err(|e| e.to_string())?;
    ordo.create_user(None, new).map_err(|e| e.to_string())
}

fn actor(u: &User) -> Actor {
    Actor::new(u.id, u.role, u.territories.iter().cloned(), u.patient_id)
}

/// Loads the demo data set unless the database already has users. Returns whether it loaded.
pub fn load(ordo: &Ordo) -> Result<bool, String> {
    if ordo.ports().users.any().map_err(|e| e.to_string())? {
        return Ok(false);
    }
    for (id, name) in TERRITORIES {
        let t = Territory::parse(RawTerritory {
            territory_id: Some((*id).into()),
            name: Some((*name).into()),
        })
        .map_err(|e| e.to_string())?;
        ordo.create_territory(None, t).map_err(|e| e.to_string())?;
    }
    let admin = actor(&user(ordo, LOGINS[0].0, LOGINS[0].1, "admin", &[], None)?);
    let staff: Vec<Actor> = TERRITORIES
        .iter()
        .zip(&LOGINS[1..4])
        .map(|((t, _), (email, pw, _))| {
            user(ordo, email, pw, "staff", &[t], None).map(|u| actor(&u))
        })
        .collect::<Result<_, _>>()?;

    let mut products: Vec<ProductId> = Vec::new();
    for (sku, name, price, stock) in PRODUCTS {
        let new = NewProduct::parse(RawProduct {
            sku: Some((*sku).into()),
            name: Some((*name).into()),
            price: Some(Money::parse(price).map_err(|e| e.to_string())?),
            stock_quantity: Some(*stock),
            low_stock_threshold: Some(10),
        })
        .map_err(|e| e.to_string())?;
        products.push(
            ordo.create_product(&admin, new)
                .map_err(|e| e.to_string())?
                .id,
        );
    }

    let mut patients = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        let territory = TERRITORIES[i % TERRITORIES.len()].0;
        let new = NewPatient::parse(RawPatient {
            code: Some(format!("DEMO{:03}", i + 1)),
            name: Some((*name).into()),
            contact_number: Some(format!("+2547000{:05}", 10_000 + i)),
            email: (i % 3 == 0).then(|| format!("patient{}@example.com", i + 1)),
            insurance_number: Some(format!("INS{:09}", 100_000 + i)),
            territory_id: Some(territory.into()),
        })
        .map_err(|e| e.to_string())?;
        patients.push(
            ordo.create_patient(&admin, None, new)
                .map_err(|e| e.to_string())?,
        );
    }
    for (i, (email, pw, _)) in LOGINS[4..].iter().enumerate() {
        user(
            ordo,
            email,
            pw,
            "customer",
            &[],
            Some(patients[i].id.to_string()),
        )?;
    }

    // Orders in every status, each reached through the workflow so its history is real.
    use OrderStatus::*;
    let paths: &[&[OrderStatus]] = &[
        &[],
        &[],
        &[Verified],
        &[Verified],
        &[Rejected],
        &[Rejected, PendingVerification],
        &[Verified, Shipped],
        &[Verified, Shipped, Delivered],
        &[Verified, Shipped, Delivered, Completed],
        &[Verified, Completed],
        &[Cancelled],
        &[Rejected, Cancelled],
    ];
    for (n, path) in paths.iter().enumerate() {
        let patient = &patients[n % patients.len()];
        let who = &staff[n % staff.len()];
        let lines = [
            (products[n % products.len()], 1 + (n as i64 % 3)),
            (products[(n * 7 + 3) % products.len()], 2),
        ];
        let request = OrderRequest::parse(RawOrder {
            patient_id: Some(patient.id.to_string()),
            priority: Some(["normal", "urgent", "normal", "emergency"][n % 4].into()),
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
        })
        .map_err(|e| e.to_string())?;
        let placed = ordo
            .place_order(
                who,
                PlaceOrder {
                    request,
                    territory_header: None,
                    idempotency: None,
                },
            )
            .map_err(|e| e.to_string())?;
        for to in *path {
            let change = StatusChange {
                to: *to,
                notes: None,
                verification_data: None,
                if_match: None,
            };
            ordo.change_status(who, placed.order().id, change)
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(true)
}

/// The log-ins, for the terminal.
pub fn print_logins() {
    println!("demo log-ins:");
    for (email, password, what) in LOGINS {
        println!("  {email:<24} {password:<18} {what}");
    }
}
