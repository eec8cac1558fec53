//! Tests of `password.rs`.

use super::*;

#[test]
fn hashes_verify_and_are_salted() {
    let h = Argon2idHasher::with_params(1024, 1, 1);
    let pw = Password::parse("correct horse battery").unwrap();
    let a = h.hash(&pw).unwrap();
    let b = h.hash(&pw).unwrap();
    assert_ne!(a.as_str(), b.as_str(), "salted");
    assert!(a.as_str().starts_with("$argon2id$v=19$"));
    assert!(h.verify(&pw, &a));
    assert!(!h.verify(&Password::parse("wrong horse battery").unwrap(), &a));
    assert!(!h.verify(&pw, &PasswordHash::new("not a phc string".into())));
}

#[test]
fn owasp_parameters_are_in_the_hash() {
    let h = Argon2idHasher::owasp();
    let hash = h
        .hash(&Password::parse("correct horse battery").unwrap())
        .unwrap();
    assert!(
        hash.as_str().contains("m=19456,t=2,p=1"),
        "{}",
        hash.as_str()
    );
}

#[test]
fn no_more_hashes_run_at_once_than_there_are_cores() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let pool = Pool::new();
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let done = std::thread::scope(|s| {
        let handles: Vec<_> = (0..(cores * 4))
            .map(|_| {
                let (pool, running, most) = (&pool, running.clone(), most.clone());
                s.spawn(move || {
                    pool.run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(5));
                        running.fetch_sub(1, Ordering::SeqCst);
                        std::thread::current().name().map(str::to_owned)
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    assert_eq!(done.len(), cores * 4, "every caller got its turn");
    assert!(
        done.iter()
            .all(|n| n.clone().flatten().as_deref() == Some("ordo-argon2")),
        "hashes run on the hashing threads only: {done:?}"
    );
    assert!(most.load(Ordering::SeqCst) <= cores);
}

#[test]
fn hashes_agree_with_the_argon2_crates_own_phc_code() {
    use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
    let argon = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(1024, 1, 1, None).unwrap(),
    );
    // Ours verifies the crate's hashes (those stored before this code)...
    let salt = SaltString::generate(&mut OsRng);
    let theirs = argon
        .hash_password(b"correct horse", &salt)
        .unwrap()
        .to_string();
    assert!(phc_verify(b"correct horse", &theirs));
    assert!(!phc_verify(b"wrong horse", &theirs));
    // ...and the crate verifies ours.
    let ours = phc_hash(&argon, b"correct horse").unwrap();
    let parsed = Phc::new(&ours).unwrap();
    assert!(argon.verify_password(b"correct horse", &parsed).is_ok());
    assert!(argon.verify_password(b"wrong horse", &parsed).is_err());
    // Garbage and other algorithms are a refusal, not a panic.
    assert!(!phc_verify(b"x", "$argon2id$v=19$m=1024,t=1,p=1$bad$bad"));
    assert!(!phc_verify(b"x", "$2b$12$abcdefghijklmnopqrstuu"));
}
